package dev.minerva.lab.calibration;

import java.util.List;

/**
 * Everything that defines one calibration study run (recorded in run.json and the plan).
 *
 * @param formats         formats the plan may choose from (f32 is always added as the safe fallback)
 * @param budgetBits      target effective bits per weight, or NaN
 * @param budgetDpplPct   maximum relative perplexity increase in percent, or NaN (exactly one of the two is set)
 * @param chunkLength     predicted tokens per chunk
 * @param calibChunks     calibration chunks used for sensitivities (&le; 0: all)
 * @param evalChunks      evaluation chunks used for verification and baselines (&le; 0: all)
 * @param verifyIterations how many tighten-and-re-verify rounds a quality budget may take
 * @param layerwise       also measure one whole layer at a time
 * @param budgetName      ci or full (for the record)
 */
public record CalibrationConfig(List<String> formats, double budgetBits, double budgetDpplPct, int chunkLength,
                                int calibChunks, int evalChunks, int verifyIterations, boolean layerwise, String budgetName) {

    public CalibrationConfig {
        if (Double.isNaN(budgetBits) == Double.isNaN(budgetDpplPct)) {
            throw new IllegalArgumentException("give exactly one budget: --budget-bits or --budget-dppl");
        }
        if (!Double.isNaN(budgetBits) && !(budgetBits > 0)) throw new IllegalArgumentException("--budget-bits must be > 0: " + budgetBits);
        if (!Double.isNaN(budgetDpplPct) && !(budgetDpplPct >= 0)) throw new IllegalArgumentException("--budget-dppl must be >= 0: " + budgetDpplPct);
        for (String f : formats) WeightFormats.get(f);
        formats = List.copyOf(formats);
    }

    /** The CI and full defaults for MINERVA_BUDGET. */
    public static CalibrationConfig defaults(String budget, List<String> formats, double bits, double dppl) {
        boolean ci = !"full".equalsIgnoreCase(budget);
        if (formats == null || formats.isEmpty()) formats = defaultFormats(budget);
        return new CalibrationConfig(formats, bits, dppl, 128, ci ? 8 : 0, ci ? 24 : 0, 4, true, ci ? "ci" : "full");
    }

    /** The formats a plan may use by default: five in CI, all seven non-f32 formats that fit small models in full. */
    public static List<String> defaultFormats(String budget) {
        return "full".equalsIgnoreCase(budget) ? List.of("f16", "bf16", "q8_0", "int8_pc", "i4_g32", "q4_0", "i4_g64")
                : List.of("f16", "q8_0", "int8_pc", "i4_g32", "q4_0");
    }

    public boolean bitsBudget() { return !Double.isNaN(budgetBits); }
}
