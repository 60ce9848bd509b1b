package dev.minerva.lab.roofline;

import java.util.List;

/**
 * What the roofline study computes (recorded in run.json).
 *
 * @param budget          {@code ci} (quick machine probe) or {@code full}; the analytic results do not depend on it
 * @param hardware        devices that get a roofline chart
 * @param model           model whose ops are placed on the roofline charts
 * @param weights         its weight precision on those charts
 * @param context         context length everywhere (decode: attended positions; prefill: prompt length)
 * @param decodeBatches   decode batches drawn on the roofline charts (a prefill at batch 1 is drawn too)
 * @param ceilingHardware devices that get a tokens/s-vs-batch chart
 * @param ceilingModels   models on those charts
 * @param ceilingWeights  weight precisions on those charts
 * @param ceilingBatches  batches on those charts
 * @param summaryWeights  precisions in the summary table (parameters, FLOPs/token, batch-1 ceilings, turn batches)
 */
public record RooflineStudyConfig(String budget, List<String> hardware, String model, String weights, int context,
                                  List<Integer> decodeBatches, List<String> ceilingHardware, List<String> ceilingModels,
                                  List<String> ceilingWeights, List<Integer> ceilingBatches, List<String> summaryWeights) {

    /** The configuration behind papers/roofline. */
    public static RooflineStudyConfig standard(String budget) {
        return new RooflineStudyConfig(budget, HardwareCatalog.names(), "tinyllama-1.1b", "f16", 512, List.of(1, 64),
                List.of("h100-sxm", "rtx-4090", HardwareCatalog.THIS_MACHINE),
                List.of("tinyllama-1.1b", "llama-3.2-1b", "llama-2-7b", "llama-3-8b"),
                List.of("f16", "q8_0", "q4_0"),
                List.of(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048),
                List.of("f16", "q8_0", "int8", "q4_0", "int4"));
    }
}
