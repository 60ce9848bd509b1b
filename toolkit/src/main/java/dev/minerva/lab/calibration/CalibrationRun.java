package dev.minerva.lab.calibration;

import dev.minerva.backend.Backend;
import dev.minerva.backend.Backends;
import dev.minerva.model.LoadedModel;
import dev.minerva.model.ModelLoader;
import dev.minerva.model.tokenizer.Tokenizer;
import dev.minerva.record.RecordedRun;
import dev.minerva.record.Run;
import dev.minerva.record.RunRecorder;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One recorded calibration study from files: loads the model and tokenizer, tokenises the two texts
 * (one story = one paragraph at a time), runs {@link CalibrationStudy} on the CPU backend, and records
 * {@code datasets/results/calibration/<run-id>/} (results.csv = plans and baselines, sensitivity.csv,
 * layers.csv, correlations.csv, solvers.csv, verification.csv, timings.csv, plan.json, run.json) plus
 * the paper's figures. Used by {@code minerva calibrate} and notebook 03.
 */
public final class CalibrationRun {
    private CalibrationRun() {}

    public static final String STUDY = "calibration";
    public static final String PAPER = "adaptive-precision";

    /**
     * @param model     model file
     * @param tokenizer tokenizer file, or null (beside the model)
     * @param calib     calibration text
     * @param eval      evaluation text (must differ from calib)
     * @param out       output root (results and paper figures go under it)
     * @param threads   CPU threads
     */
    public record Options(Path model, Path tokenizer, Path calib, Path eval, Path out, int threads, boolean progress, CalibrationConfig config) {}

    /** What a run returns: the study's result and where it was recorded. */
    public record Outcome(CalibrationStudy.Result result, RecordedRun recorded, Path plan, double seconds) {}

    /** Tokens of a text, one paragraph (blank-line separated) at a time, concatenated (no BOS). */
    public static int[] tokenise(Tokenizer tok, Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        List<int[]> parts = new ArrayList<>();
        int n = 0;
        for (String para : text.split("\\n\\s*\\n")) {
            String p = para.strip();
            if (p.isEmpty()) continue;
            int[] t = tok.encode(p, false, false);
            parts.add(t);
            n += t.length;
        }
        int[] all = new int[n];
        int o = 0;
        for (int[] t : parts) { System.arraycopy(t, 0, all, o, t.length); o += t.length; }
        if (n == 0) throw new IllegalArgumentException(file + ": no text");
        return all;
    }

    public static Outcome run(Options o) throws IOException {
        long t0 = System.nanoTime();
        if (Files.isSameFile(o.calib(), o.eval()) || Files.mismatch(o.calib(), o.eval()) == -1) {
            throw new IllegalArgumentException("calibration and evaluation texts must differ (no leakage): " + o.calib() + " vs " + o.eval());
        }
        LoadedModel lm = ModelLoader.open(o.model(), o.tokenizer());
        if (lm.tokenizer() == null) throw new IllegalArgumentException(o.model() + ": no tokenizer found; pass --tokenizer");
        String sha = Run.sha256(o.model());
        int[] calib = tokenise(lm.tokenizer(), o.calib());
        int[] eval = tokenise(lm.tokenizer(), o.eval());
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("study", o.config());
        cfg.put("calibrationText", o.calib().toString());
        cfg.put("calibrationSha256", Run.sha256(o.calib()));
        cfg.put("evaluationText", o.eval().toString());
        cfg.put("evaluationSha256", Run.sha256(o.eval()));
        cfg.put("threads", o.threads());
        SensitivityCache cache = new SensitivityCache(o.out().resolve(".minerva/cache/calibration"), sha,
                CalibrationStudy.calibrationFingerprint(calib, o.config()));
        CalibrationStudy.Result r;
        RunRecorder rec;
        // $MINERVA_BACKEND (auto|cpu|cuda): the study runs unchanged on whichever backend answers
        try (Backend backend = Backends.select(System.getenv("MINERVA_BACKEND"), o.threads(), System.err::println)) {
            rec = new RunRecorder(o.out(), Run.begin(STUDY, cfg, 0, backend.name(), o.model(), dev.minerva.record.Locations.root()));
            CalibrationStudy.Inputs in = new CalibrationStudy.Inputs(lm.weights(), o.model().getFileName().toString(), sha, calib, eval,
                    lm.tokenizer().bos(), new EngineModel(backend), true);
            r = new CalibrationStudy(o.config(), in, cache, o.progress()).run();
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        Table timings = Table.create("timings", StringColumn.create("phase"), DoubleColumn.create("seconds"));
        r.seconds().forEach((k, v) -> { timings.stringColumn("phase").append(k); timings.doubleColumn("seconds").append(v); });
        timings.stringColumn("phase").append("total");
        timings.doubleColumn("seconds").append(secs);
        rec.results(r.plans()).table("sensitivity", r.sensitivity()).table("layers", r.layers()).table("correlations", r.correlations())
                .table("solvers", r.solvers()).table("verification", r.verification()).table("timings", timings)
                .figure(PAPER, "precision-pareto", CalibrationFigures.pareto(r.plans(), paretoTitle(o.model())))
                .figure(PAPER, "precision-sensitivity", CalibrationFigures.sensitivity(r.sensitivity(), sensitivityTitle(o.model())));
        RecordedRun recorded = rec.commit();
        Path plan = recorded.dir().resolve("plan.json");
        r.plan().write(plan);
        // what `minerva generate|eval|bench --plan` can run (the engine has no INT8-per-channel or 4-bit-group kernels)
        if (r.enginePlan() != null) r.enginePlan().write(recorded.dir().resolve("plan-engine.json"));
        return new Outcome(r, recorded, plan, secs);
    }

    static String paretoTitle(Path model) { return "Precision plans vs uniform formats: " + model.getFileName(); }

    static String sensitivityTitle(Path model) { return "Per-tensor sensitivity (one tensor quantised at a time): " + model.getFileName(); }
}
