package dev.minerva.cli;

import dev.minerva.lab.calibration.CalibrationConfig;
import dev.minerva.lab.calibration.CalibrationRun;
import dev.minerva.lab.calibration.PlanEvaluation;
import dev.minerva.record.Locations;
import dev.minerva.record.Show;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code minerva calibrate}: the per-tensor precision study (see {@code dev.minerva.lab.calibration}). */
@Command(name = "calibrate", mixinStandardHelpOptions = true,
        description = {"Measure each weight tensor's sensitivity to quantisation, solve for a per-tensor precision plan under a budget,",
                "verify it on a separate evaluation text (95 % intervals) and record the run and the paper's figures."})
public final class CalibrateCommand implements Callable<Integer> {

    @Option(names = "--model", paramLabel = "FILE", defaultValue = "${env:MINERVA_MODEL}", description = "model file (default: $MINERVA_MODEL)")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "FILE", defaultValue = "${env:MINERVA_TOKENIZER}", description = "tokenizer file (default: $MINERVA_TOKENIZER, else beside the model)")
    Path tokenizer;

    @Option(names = "--calib", paramLabel = "FILE", description = "calibration text (default: datasets/stories/calibration.txt)")
    Path calib;

    @Option(names = "--eval", paramLabel = "FILE", description = "evaluation text, a different text (default: datasets/stories/evaluation.txt)")
    Path eval;

    static final class Budget {
        @Option(names = "--budget-bits", paramLabel = "BITS", required = true, description = "target effective bits per weight (minimise predicted KL)")
        Double bits;
        @Option(names = "--budget-dppl", paramLabel = "PCT", required = true, description = "maximum perplexity increase, e.g. 1%% (minimise bytes, verified and tightened)")
        String dppl;
    }

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Budget budget;

    @Option(names = "--timing", paramLabel = "N", defaultValue = "0",
            description = "only time measured sensitivities: N tensors spread over the model, --timing-tokens tokens, format q8_0; records nothing")
    int timing;

    @Option(names = "--timing-tokens", paramLabel = "T", defaultValue = "64", description = "calibration tokens for --timing (default: ${DEFAULT-VALUE})")
    int timingTokens;

    @Option(names = "--formats", paramLabel = "LIST",
            description = "formats the plan may choose from (f32 is always allowed); default ci: f16,q8_0,int8_pc,i4_g32,q4_0; full adds bf16,i4_g64")
    String formats;

    @Option(names = "--out", paramLabel = "DIR", description = "output root (default: $MINERVA_OUT or the project root)")
    Path out;

    @Option(names = "--budget", paramLabel = "ci|full", defaultValue = "${env:MINERVA_BUDGET:-ci}",
            description = "ci: 8 calibration and 24 evaluation chunks of 128 tokens; full: the whole texts (default: $MINERVA_BUDGET or ci)")
    String runBudget;

    @Option(names = "--threads", defaultValue = "0", description = "CPU threads (0: all)")
    int threads;

    @Option(names = "--no-progress", description = "no progress bars")
    boolean noProgress;

    @Override public Integer call() throws Exception {
        if (model == null) {
            System.err.println("calibrate: --model is required (or set MINERVA_MODEL)");
            return 2;
        }
        if (!"ci".equalsIgnoreCase(runBudget) && !"full".equalsIgnoreCase(runBudget)) {
            System.err.println("calibrate: --budget must be ci or full, got '" + runBudget + "'");
            return 2;
        }
        Path root = Locations.root();
        Path c = calib != null ? calib : root.resolve("datasets/stories/calibration.txt");
        Path e = eval != null ? eval : root.resolve("datasets/stories/evaluation.txt");
        for (Path p : List.of(model, c, e)) {
            if (!Files.exists(p)) {
                System.err.println("calibrate: " + p + ": no such file");
                return 2;
            }
        }
        if (timing > 0) return timing(c);
        if (budget == null) {
            System.err.println("calibrate: give --budget-bits or --budget-dppl");
            return 2;
        }
        double bits = Double.NaN, dppl = Double.NaN;
        if (budget.bits != null) bits = budget.bits;
        else {
            String s = budget.dppl.strip();
            try {
                dppl = Double.parseDouble(s.endsWith("%") ? s.substring(0, s.length() - 1) : s);
            } catch (NumberFormatException ex) {
                System.err.println("calibrate: --budget-dppl must be a percentage such as 1% or 0.5, got '" + budget.dppl + "'");
                return 2;
            }
        }
        CalibrationConfig cfg;
        try {
            cfg = CalibrationConfig.defaults(runBudget, formats == null ? null : List.of(formats.split(",")), bits, dppl);
        } catch (IllegalArgumentException ex) {
            System.err.println("calibrate: " + ex.getMessage());
            return 2;
        }
        int th = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        Path o = out != null ? out.toAbsolutePath() : Locations.out();
        CalibrationRun.Outcome r;
        try {
            r = CalibrationRun.run(new CalibrationRun.Options(model, tokenizer, c, e, o, th, !noProgress, cfg));
        } catch (IllegalArgumentException ex) {
            System.err.println("calibrate: " + ex.getMessage());
            return 2;
        }
        PlanEvaluation p = r.result().chosen();
        System.out.println(Show.table(r.result().plans(), 40));
        System.out.println(Show.table(r.result().correlations(), 40));
        System.out.printf(Locale.ROOT, "plan: %.3f bits/weight, Δppl %+.3f %% ± %.3f (95 %% CI, %d chunks), KL %.5f ± %.5f; predicted Δppl %+.3f %%, KL %.5f%n",
                p.bitsPerWeight(), p.dpplPct().mean(), p.dpplPct().halfWidth(), p.dpplPct().n(), p.kl().mean(), p.kl().halfWidth(),
                p.predictedDpplPct(), p.predictedKl());
        System.out.printf(Locale.ROOT, "%d sensitivity evaluations (%d cached metric values reused) in %.1f s total%n",
                r.result().measuredEvaluations(), r.result().cachedCells(), r.seconds());
        System.out.println("plan written to " + r.plan());
        if (r.result().enginePlan() != null) {
            System.out.println("plan with engine formats only (for generate|eval|bench --plan): " + r.plan().resolveSibling("plan-engine.json"));
        } else {
            System.out.println("no plan with engine formats only fits the budget");
        }
        System.out.println("run recorded in " + r.recorded().dir());
        return 0;
    }

    private int timing(Path calibText) throws Exception {
        dev.minerva.model.LoadedModel lm = dev.minerva.model.ModelLoader.open(model, tokenizer);
        if (lm.tokenizer() == null) {
            System.err.println("calibrate: " + model + ": no tokenizer found; pass --tokenizer");
            return 2;
        }
        int[] toks = dev.minerva.lab.calibration.CalibrationRun.tokenise(lm.tokenizer(), calibText);
        int[] chunk = dev.minerva.lab.calibration.TokenChunks.split(toks, timingTokens, 1, lm.tokenizer().bos()).getFirst();
        int th = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        long nTargets = dev.minerva.lab.calibration.QuantTarget.of(lm.weights()).size();
        try (dev.minerva.backend.CpuBackend b = new dev.minerva.backend.CpuBackend(th)) {
            tech.tablesaw.api.Table t = dev.minerva.lab.calibration.SensitivityTiming.run(lm.weights(),
                    new dev.minerva.lab.calibration.EngineModel(b), chunk, dev.minerva.lab.calibration.WeightFormats.get("q8_0"), timing);
            System.out.println(Show.table(t, 100));
            double[] s = t.doubleColumn("seconds").asDoubleArray();
            double cells = 0;
            for (int i = 1; i < s.length; i++) cells += s[i];
            double mean = cells / Math.max(1, s.length - 1);
            System.out.printf(Locale.ROOT, "%s: %d quantisable tensors; %d calibration tokens; %d threads; reference pass %.1f s; "
                            + "%.1f s per measured tensor (mean of %d) -> about %.0f s for all %d tensors in one format%n",
                    model.getFileName(), nTargets, timingTokens, th, s[0], mean, s.length - 1, s[0] + mean * nTargets, nTargets);
        }
        return 0;
    }
}
