package dev.minerva.lab.calibration;

import dev.minerva.model.Weights;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import tech.tablesaw.api.BooleanColumn;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The per-tensor precision study, end to end:
 * <ol>
 * <li>reference pass over the calibration chunks (F32 log-probabilities + matmul-input statistics);</li>
 * <li>sensitivity of every (tensor, format): measured ΔKL and Δppl with that one tensor quantised,
 *     and the cheap proxies (imatrix, outlier, weight MSE) — cached on disk, so a restart resumes;</li>
 * <li>one whole layer at a time (optional);</li>
 * <li>how well each proxy ranks the cells against measured ΔKL (Spearman, Kendall);</li>
 * <li>plans by the greedy and the exact knapsack solver under the budget, and a sweep of bit budgets;</li>
 * <li>verification on the separate evaluation text — the engine's real kernels where it has them —
 *     with per-chunk 95 % intervals, tightening a quality budget until it holds; baselines alike.</li>
 * </ol>
 */
public final class CalibrationStudy {

    /**
     * @param reference   F32 weights of the model
     * @param modelFile   model file name (for the record)
     * @param modelSha    sha256 of the model file
     * @param calibTokens calibration text tokens (no BOS)
     * @param evalTokens  evaluation text tokens (no BOS), from a different text
     * @param bos         BOS id
     * @param model       the engine
     * @param nativeKernels whether {@code model} runs F16/BF16/Q8_0/Q4_0 tensors with its own kernels
     */
    public record Inputs(Weights reference, String modelFile, String modelSha, int[] calibTokens, int[] evalTokens, int bos,
                         CausalModel model, boolean nativeKernels) {}

    /** Everything the run produced. */
    public record Result(Table sensitivity, Table layers, Table correlations, Table solvers, Table plans, Table verification,
                         PrecisionPlanFile plan, PrecisionPlanFile enginePlan, PlanEvaluation chosen, List<PlanEvaluation> evaluations,
                         Map<String, Double> seconds, int calibTokens, int evalTokens, int measuredEvaluations, int cachedCells) {}

    private final CalibrationConfig cfg;
    private final Inputs in;
    private final SensitivityCache cache;
    private final boolean progress;
    private final List<SensitivityMetric> metrics = SensitivityMetrics.all();

    public CalibrationStudy(CalibrationConfig cfg, Inputs in, SensitivityCache cache, boolean progress) {
        this.cfg = cfg;
        this.in = in;
        this.cache = cache;
        this.progress = progress;
    }

    /** A fingerprint of the calibration data for the cache key. */
    public static String calibrationFingerprint(int[] tokens, CalibrationConfig cfg) {
        try {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * tokens.length + 8);
            for (int t : tokens) b.putInt(t);
            b.putInt(cfg.chunkLength()).putInt(cfg.calibChunks());
            return java.util.HexFormat.of().formatHex(md.digest(b.array()));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private ProgressBar bar(String task, long max) {
        ProgressBarBuilder b = new ProgressBarBuilder().setTaskName(task).setInitialMax(max).setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(500);
        if (!progress) b.setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(new java.io.PrintStream(java.io.OutputStream.nullOutputStream())));
        return b.build();
    }

    public Result run() throws IOException {
        Map<String, Double> seconds = new LinkedHashMap<>();
        List<QuantTarget> targets = QuantTarget.of(in.reference());
        List<WeightFormat> formats = new ArrayList<>();
        for (String f : cfg.formats()) if (!f.equals("f32")) formats.add(WeightFormats.get(f));
        List<int[]> calib = TokenChunks.split(in.calibTokens(), cfg.chunkLength(), cfg.calibChunks(), in.bos());
        List<int[]> eval = TokenChunks.split(in.evalTokens(), cfg.chunkLength(), cfg.evalChunks(), in.bos());

        if (cfg.bitsBudget()) {
            // fail before any measurement when even the smallest formats cannot meet the budget
            long minBytes = 0, weights = 0;
            for (QuantTarget t : targets) {
                long b = WeightFormats.get("f32").byteSize(t.rows(), t.cols());
                for (WeightFormat f : formats) if (t.accepts(f)) b = Math.min(b, f.byteSize(t.rows(), t.cols()));
                minBytes += b;
                weights += t.weights();
            }
            double minBits = 8.0 * minBytes / weights;
            if (cfg.budgetBits() < minBits) {
                throw new IllegalArgumentException(String.format(java.util.Locale.ROOT,
                        "no plan fits %.3f bits/weight with formats %s: the smallest is %.3f (tensors no format but f32 can store count at 32 bits)",
                        cfg.budgetBits(), cfg.formats(), minBits));
            }
        }
        long t0 = System.nanoTime();
        ActivationStats stats = new ActivationStats();
        QualityEvaluator calibEval = new QualityEvaluator(in.model(), calib, in.reference(), stats);
        SensitivityContext ctx = new SensitivityContext(in.reference(), stats, calibEval);
        seconds.put("reference_pass", secs(t0));

        // ---- sensitivities, one (tensor, format) cell at a time, cached ----
        t0 = System.nanoTime();
        Map<String, Map<String, double[]>> sens = new LinkedHashMap<>();
        List<String[]> cells = new ArrayList<>();
        for (QuantTarget t : targets) for (WeightFormat f : formats) if (t.accepts(f)) cells.add(new String[]{t.name(), f.id()});
        int cachedBefore = 0;
        try (ProgressBar pb = bar("sensitivity", cells.size())) {
            for (String[] c : cells) {
                QuantTarget t = targets.stream().filter(x -> x.name().equals(c[0])).findFirst().orElseThrow();
                WeightFormat f = WeightFormats.get(c[1]);
                double[] v = new double[metrics.size()];
                for (int m = 0; m < metrics.size(); m++) {
                    SensitivityMetric metric = metrics.get(m);
                    if (cache.get(metric.id(), t.name(), f.id()) != null) cachedBefore++;
                    v[m] = cache.getOrCompute(metric.id(), t.name(), f.id(), () -> metric.score(ctx, t, f));
                }
                sens.computeIfAbsent(t.name(), k -> new LinkedHashMap<>()).put(f.id(), v);
                pb.step();
            }
        }
        seconds.put("sensitivities", secs(t0));
        Table sensitivity = sensitivityTable(targets, sens, stats);

        // ---- one layer at a time ----
        t0 = System.nanoTime();
        Table layers = Table.create("layers", IntColumn.create("layer"), StringColumn.create("format"), IntColumn.create("tensors"),
                DoubleColumn.create("measured_kl"), DoubleColumn.create("measured_dppl_pct"), DoubleColumn.create("sum_of_tensor_kl"));
        if (cfg.layerwise()) {
            int nLayers = in.reference().config().nLayers();
            try (ProgressBar pb = bar("layers", (long) nLayers * formats.size())) {
                for (int l = 0; l < nLayers; l++) {
                    for (WeightFormat f : formats) {
                        final int layer = l;
                        List<QuantTarget> ts = targets.stream().filter(t -> t.layer() == layer && t.accepts(f)).toList();
                        String key = "layer." + l;
                        double kl = cache.getOrCompute("layer_kl", key, f.id(), () -> ctx.measure(ts, f, key + "|" + f.id()).meanKl());
                        double dp = cache.getOrCompute("layer_dppl_pct", key, f.id(),
                                () -> ctx.measure(ts, f, key + "|" + f.id()).deltaPplPercent(ctx.referenceQuality()));
                        double sum = ts.stream().mapToDouble(t -> sens.get(t.name()).get(f.id())[0]).sum();
                        layers.intColumn("layer").append(l);
                        layers.stringColumn("format").append(f.id());
                        layers.intColumn("tensors").append(ts.size());
                        layers.doubleColumn("measured_kl").append(kl);
                        layers.doubleColumn("measured_dppl_pct").append(dp);
                        layers.doubleColumn("sum_of_tensor_kl").append(sum);
                        pb.step();
                    }
                }
            }
        }
        seconds.put("layerwise", secs(t0));

        Table correlations = correlationTable(sens);

        // ---- plans ----
        t0 = System.nanoTime();
        PlanProblem klProblem = problem(targets, formats, sens, 0);
        PlanProblem pplProblem = problem(targets, formats, sens, 1);
        List<PlanSolver> solvers = List.of(new GreedySolver(), new KnapsackSolver());
        Table solverTable = Table.create("solvers", StringColumn.create("budget"), StringColumn.create("solver"), BooleanColumn.create("feasible"),
                LongColumn.create("bytes"), DoubleColumn.create("bits_per_weight"), DoubleColumn.create("predicted_kl"),
                DoubleColumn.create("predicted_dppl_pct"), DoubleColumn.create("solve_ms"));
        List<Double> sweep = new ArrayList<>(List.of(4.5, 5.0, 5.5, 6.0, 7.0, 8.0, 10.0, 12.0, 16.0));
        Map<Double, PlanProblem.Solution> sweepPlans = new LinkedHashMap<>();
        for (double bits : sweep) {
            for (PlanSolver s : solvers) {
                long s0 = System.nanoTime();
                PlanProblem.Solution sol = s.solve(klProblem, PlanBudget.bytes(klProblem.bytesForBits(bits)));
                double ms = (System.nanoTime() - s0) / 1e6;
                addSolverRow(solverTable, String.format(java.util.Locale.ROOT, "%.2f bits", bits), sol, klProblem, pplProblem, ms);
                if (s instanceof KnapsackSolver && sol.feasible()) sweepPlans.put(bits, sol);
            }
        }
        if (!cfg.bitsBudget()) {
            for (PlanSolver s : solvers) {
                long s0 = System.nanoTime();
                PlanProblem.Solution sol = s.solve(pplProblem, PlanBudget.loss(cfg.budgetDpplPct()));
                addSolverRow(solverTable, String.format(java.util.Locale.ROOT, "%.3g %% dppl", cfg.budgetDpplPct()), sol, klProblem, pplProblem,
                        (System.nanoTime() - s0) / 1e6);
            }
        }
        seconds.put("solve", secs(t0));

        // ---- verification on the evaluation text ----
        t0 = System.nanoTime();
        QualityEvaluator evalEval = new QualityEvaluator(in.model(), eval, in.reference(), null);
        List<PlanEvaluation> evaluations = new ArrayList<>();
        Table verification = Table.create("verification", StringColumn.create("plan"), IntColumn.create("iteration"), StringColumn.create("solver_budget"),
                DoubleColumn.create("bits_per_weight"), DoubleColumn.create("predicted_dppl_pct"), DoubleColumn.create("measured_dppl_pct"),
                DoubleColumn.create("measured_dppl_ci95"), DoubleColumn.create("predicted_kl"), DoubleColumn.create("measured_kl"),
                BooleanColumn.create("meets_budget"));
        String budgetText = cfg.bitsBudget() ? String.format(java.util.Locale.ROOT, "%.2f bits/weight", cfg.budgetBits())
                : String.format(java.util.Locale.ROOT, "%.3g %% perplexity", cfg.budgetDpplPct());
        List<PlanEvaluation> rejected = new ArrayList<>();
        PlanEvaluation chosen = choose("knapsack plan", klProblem, pplProblem, targets, sens, evalEval, verification, rejected);
        if (chosen == null) throw new IllegalArgumentException("no plan fits " + budgetText + " with formats " + cfg.formats());
        if (cfg.bitsBudget()) {
            PlanProblem.Solution g = new GreedySolver().solve(klProblem, PlanBudget.bytes(klProblem.bytesForBits(cfg.budgetBits())));
            if (g.feasible()) evaluations.add(evaluatePlan("greedy plan " + budgetText, "greedy", assignment(klProblem, g), targets, sens, evalEval, in.nativeKernels()));
        }
        // the same budget with only the formats the engine has kernels for: a plan `minerva generate|eval|bench --plan` can run
        List<WeightFormat> engineFormats = formats.stream().filter(f -> f.engineType() != null).toList();
        PlanEvaluation enginePlan = null;
        boolean allEngine = chosen.assignment().values().stream().allMatch(f -> WeightFormats.get(f).engineType() != null);
        if (allEngine) enginePlan = chosen;
        else if (!engineFormats.isEmpty()) {
            enginePlan = choose("knapsack plan, engine formats only", problem(targets, engineFormats, sens, 0), problem(targets, engineFormats, sens, 1),
                    targets, sens, evalEval, verification, rejected);
            if (enginePlan != null) {
                enginePlan = withKind(enginePlan, "plan-engine");
                evaluations.add(enginePlan);
            }
        }
        evaluations.addAll(rejected);
        evaluations.add(0, chosen);
        if (in.nativeKernels()) {
            PlanEvaluation fake = evaluatePlan(chosen.name() + " (all fake-quantised)", "check", chosen.assignment(), targets, sens, evalEval, false);
            evaluations.add(fake);
        }
        // knapsack sweep (Pareto frontier of plans)
        for (Map.Entry<Double, PlanProblem.Solution> e : sweepPlans.entrySet()) {
            evaluations.add(evaluatePlan(String.format(java.util.Locale.ROOT, "knapsack %.1f bits", e.getKey()), "sweep",
                    assignment(klProblem, e.getValue()), targets, sens, evalEval, in.nativeKernels()));
        }
        // baselines
        List<String> uniform = new ArrayList<>(List.of("f32"));
        for (WeightFormat f : formats) uniform.add(f.id());
        for (String f : uniform) {
            Map<String, String> a = Baselines.uniform(targets, f);
            String fb = Baselines.fallbacks(targets, a, f);
            evaluations.add(evaluatePlan("uniform " + f + (fb.isEmpty() ? "" : " (" + fb + ")"), "baseline", a, targets, sens, evalEval, in.nativeKernels()));
        }
        if (cfg.formats().contains("q8_0") && cfg.formats().contains("q4_0")) {
            evaluations.add(evaluatePlan("ends q8_0, rest q4_0", "heuristic", Baselines.keepEnds(targets, "q8_0", "q4_0"), targets, sens, evalEval, in.nativeKernels()));
        }
        if (cfg.formats().contains("int8_pc") && cfg.formats().contains("i4_g32")) {
            evaluations.add(evaluatePlan("ends int8_pc, rest i4_g32", "heuristic", Baselines.keepEnds(targets, "int8_pc", "i4_g32"), targets, sens, evalEval, in.nativeKernels()));
        }
        seconds.put("verification", secs(t0));

        PrecisionPlanFile plan = planFile(chosen, targets, sens);
        PrecisionPlanFile enginePlanFile = enginePlan == null ? null : planFile(enginePlan, targets, sens);

        return new Result(sensitivity, layers, correlations, solverTable, planTable(evaluations), verification, plan, enginePlanFile, chosen, evaluations, seconds,
                calib.size() * cfg.chunkLength(), eval.size() * cfg.chunkLength(), ctx.forwardEvaluations(), cachedBefore);
    }

    /**
     * Solves with the exact knapsack and verifies on the evaluation chunks. A bit budget is solved once
     * (minimum predicted KL). A quality budget is verified: while the measured Δppl misses it, the
     * solver's budget shrinks by the miss ratio and the plan is re-solved and re-measured.
     *
     * @return the accepted (or last) plan, or null when no plan fits the bit budget
     */
    private PlanEvaluation choose(String label, PlanProblem kl, PlanProblem ppl, List<QuantTarget> targets, Map<String, Map<String, double[]>> sens,
                                  QualityEvaluator ev, Table verification, List<PlanEvaluation> rejected) {
        if (cfg.bitsBudget()) {
            String b = String.format(java.util.Locale.ROOT, "%.2f bits/weight", cfg.budgetBits());
            PlanProblem.Solution sol = new KnapsackSolver().solve(kl, PlanBudget.bytes(kl.bytesForBits(cfg.budgetBits())));
            if (!sol.feasible()) return null;
            PlanEvaluation e = evaluatePlan(label + " " + b, "plan", assignment(kl, sol), targets, sens, ev, in.nativeKernels());
            addVerifyRow(verification, label, 0, b, e, true);
            return e;
        }
        double solverBudget = cfg.budgetDpplPct();
        PlanEvaluation last = null;
        for (int it = 0; it < Math.max(1, cfg.verifyIterations()); it++) {
            PlanProblem.Solution sol = new KnapsackSolver().solve(ppl, PlanBudget.loss(solverBudget));
            PlanEvaluation e = evaluatePlan(String.format(java.util.Locale.ROOT, "%s ≤ %.3g %% dppl", label, cfg.budgetDpplPct())
                    + (it == 0 ? "" : " (iteration " + it + ")"), "plan", assignment(ppl, sol), targets, sens, ev, in.nativeKernels());
            boolean ok = e.dpplPct().mean() <= cfg.budgetDpplPct();
            addVerifyRow(verification, label, it, String.format(java.util.Locale.ROOT, "%.4g %%", solverBudget), e, ok);
            if (last != null) rejected.add(withKind(last, "rejected"));
            last = e;
            if (ok) break;
            // the additive estimate was optimistic: shrink the solver's budget by how far it missed
            double miss = e.dpplPct().mean() / Math.max(1e-9, cfg.budgetDpplPct());
            solverBudget = solverBudget / Math.max(1.25, miss);
        }
        return last;
    }

    private static PlanEvaluation withKind(PlanEvaluation e, String kind) {
        return new PlanEvaluation(e.name(), kind, e.assignment(), e.bytes(), e.bitsPerWeight(), e.predictedKl(), e.predictedDpplPct(),
                e.perplexity(), e.dpplPct(), e.kl(), e.nativeKernels());
    }

    private PrecisionPlanFile planFile(PlanEvaluation e, List<QuantTarget> targets, Map<String, Map<String, double[]>> sens) {
        int evalChunks = e.dpplPct().n();
        Map<String, Object> provenance = new LinkedHashMap<>();
        provenance.put("budget", cfg.bitsBudget() ? Map.of("kind", "bits", "value", cfg.budgetBits()) : Map.of("kind", "dppl_pct", "value", cfg.budgetDpplPct()));
        provenance.put("plan", e.name());
        provenance.put("solver", "knapsack");
        provenance.put("formats", cfg.formats());
        provenance.put("predicted", Map.of("bits_per_weight", e.bitsPerWeight(), "kl", e.predictedKl(), "dppl_pct", e.predictedDpplPct()));
        provenance.put("measured", Map.of("perplexity", e.perplexity(), "dppl_pct", e.dpplPct().mean(), "dppl_pct_ci95", e.dpplPct().halfWidth(),
                "kl", e.kl().mean(), "kl_ci95", e.kl().halfWidth(), "eval_chunks", evalChunks, "chunk_length", cfg.chunkLength(),
                "native_kernels", e.nativeKernels()));
        Map<String, Object> perTensor = new LinkedHashMap<>();
        for (QuantTarget t : targets) {
            String f = e.assignment().get(t.name());
            double[] v = f.equals("f32") ? null : sens.get(t.name()).get(f);
            Map<String, Object> mv = new LinkedHashMap<>();
            if (v != null) for (int m = 0; m < metrics.size(); m++) mv.put(metrics.get(m).id(), v[m]);
            perTensor.put(t.name(), mv);
        }
        provenance.put("sensitivity", perTensor);
        return PrecisionPlanFile.create(e.assignment(), targets, in.modelFile(), in.modelSha(), provenance);
    }

    private static double secs(long t0) { return (System.nanoTime() - t0) / 1e9; }

    private PlanProblem problem(List<QuantTarget> targets, List<WeightFormat> formats, Map<String, Map<String, double[]>> sens, int metric) {
        List<PlanProblem.Item> items = new ArrayList<>();
        for (QuantTarget t : targets) {
            List<PlanProblem.Option> os = new ArrayList<>();
            os.add(new PlanProblem.Option("f32", WeightFormats.get("f32").byteSize(t.rows(), t.cols()), 0));
            for (WeightFormat f : formats) {
                if (!t.accepts(f)) continue;
                // losses below zero are noise that happened to help on the calibration text: count them as 0
                os.add(new PlanProblem.Option(f.id(), f.byteSize(t.rows(), t.cols()), Math.max(0, sens.get(t.name()).get(f.id())[metric])));
            }
            items.add(new PlanProblem.Item(t.name(), t.weights(), os));
        }
        return new PlanProblem(items);
    }

    private static Map<String, String> assignment(PlanProblem p, PlanProblem.Solution s) {
        Map<String, String> a = new LinkedHashMap<>();
        for (int i = 0; i < p.items().size(); i++) a.put(p.items().get(i).name(), p.items().get(i).options().get(s.choice()[i]).format());
        return a;
    }

    private PlanEvaluation evaluatePlan(String name, String kind, Map<String, String> a, List<QuantTarget> targets,
                                        Map<String, Map<String, double[]>> sens, QualityEvaluator ev, boolean nativeKernels) {
        long bytes = 0, weights = 0;
        double pk = 0, pp = 0;
        Map<String, WeightFormat> plan = new LinkedHashMap<>();
        for (QuantTarget t : targets) {
            WeightFormat f = WeightFormats.get(a.get(t.name()));
            plan.put(t.name(), f);
            bytes += f.byteSize(t.rows(), t.cols());
            weights += t.weights();
            Map<String, double[]> s = sens.get(t.name());
            if (!f.id().equals("f32") && s != null && s.containsKey(f.id())) {
                pk += s.get(f.id())[0];
                pp += s.get(f.id())[1];
            } else if (!f.id().equals("f32")) {
                pk = Double.NaN;
                pp = Double.NaN;
            }
        }
        Weights w = nativeKernels ? PlanWeights.engineNative(in.reference(), plan, this::floats) : PlanWeights.fakeQuantised(in.reference(), plan, this::floats);
        ChunkQuality q = ev.evaluate(w);
        return new PlanEvaluation(name, kind, a, bytes, 8.0 * bytes / weights, pk, pp, q.perplexity(), q.deltaPplPercentCi(ev.reference()), q.klCi(),
                nativeKernels);
    }

    private final Map<String, float[]> floats = new java.util.HashMap<>();

    private float[] floats(String name) { return floats.computeIfAbsent(name, n -> SensitivityContext.toFloats(in.reference().get(n))); }

    private Table sensitivityTable(List<QuantTarget> targets, Map<String, Map<String, double[]>> sens, ActivationStats stats) {
        Table t = Table.create("sensitivity", StringColumn.create("tensor"), IntColumn.create("layer"), StringColumn.create("kind"),
                IntColumn.create("rows"), IntColumn.create("cols"), StringColumn.create("format"), DoubleColumn.create("bits_per_weight"),
                LongColumn.create("bytes"));
        for (SensitivityMetric m : metrics) t.addColumns(DoubleColumn.create(m.id()));
        t.addColumns(DoubleColumn.create("input_rms"), DoubleColumn.create("input_frac_above_6"), DoubleColumn.create("input_peak_to_rms"));
        for (QuantTarget q : targets) {
            Map<String, double[]> byF = sens.get(q.name());
            if (byF == null) continue;
            ActivationStats.Input in = stats.of(q.name());
            for (Map.Entry<String, double[]> e : byF.entrySet()) {
                WeightFormat f = WeightFormats.get(e.getKey());
                t.stringColumn("tensor").append(q.name());
                t.intColumn("layer").append(q.layer());
                t.stringColumn("kind").append(q.kind());
                t.intColumn("rows").append(q.rows());
                t.intColumn("cols").append(q.cols());
                t.stringColumn("format").append(f.id());
                t.doubleColumn("bits_per_weight").append(f.bitsPerWeight(q.rows(), q.cols()));
                t.longColumn("bytes").append(f.byteSize(q.rows(), q.cols()));
                for (int m = 0; m < metrics.size(); m++) t.doubleColumn(metrics.get(m).id()).append(e.getValue()[m]);
                t.doubleColumn("input_rms").append(in == null ? Double.NaN : in.rms());
                t.doubleColumn("input_frac_above_6").append(in == null ? Double.NaN : in.fractionAbove(6));
                t.doubleColumn("input_peak_to_rms").append(in == null ? Double.NaN : in.peakToRms());
            }
        }
        return t;
    }

    private Table correlationTable(Map<String, Map<String, double[]>> sens) {
        Table t = Table.create("correlations", StringColumn.create("proxy"), StringColumn.create("cells"), IntColumn.create("n"),
                DoubleColumn.create("spearman"), DoubleColumn.create("kendall"));
        List<String> groups = new ArrayList<>(List.of("all"));
        for (String f : cfg.formats()) if (!f.equals("f32")) groups.add(f);
        for (int m = 0; m < metrics.size(); m++) {
            if (metrics.get(m).measured()) continue;
            for (String g : groups) {
                List<Double> px = new ArrayList<>(), mx = new ArrayList<>();
                for (Map<String, double[]> byF : sens.values()) {
                    for (Map.Entry<String, double[]> e : byF.entrySet()) {
                        if (!g.equals("all") && !g.equals(e.getKey())) continue;
                        px.add(e.getValue()[m]);
                        mx.add(e.getValue()[0]);
                    }
                }
                if (px.size() < 3) continue;
                RankAgreement r = RankAgreement.of(px.stream().mapToDouble(Double::doubleValue).toArray(), mx.stream().mapToDouble(Double::doubleValue).toArray());
                t.stringColumn("proxy").append(metrics.get(m).id());
                t.stringColumn("cells").append(g);
                t.intColumn("n").append(r.n());
                t.doubleColumn("spearman").append(r.spearman());
                t.doubleColumn("kendall").append(r.kendall());
            }
        }
        return t;
    }

    private static void addSolverRow(Table t, String budget, PlanProblem.Solution s, PlanProblem kl, PlanProblem ppl, double ms) {
        t.stringColumn("budget").append(budget);
        t.stringColumn("solver").append(s.solver());
        t.booleanColumn("feasible").append(s.feasible());
        t.longColumn("bytes").append(s.bytes());
        t.doubleColumn("bits_per_weight").append(s.bitsPerWeight(kl));
        t.doubleColumn("predicted_kl").append(kl.evaluate(s.choice(), true, "").loss());
        t.doubleColumn("predicted_dppl_pct").append(ppl.evaluate(s.choice(), true, "").loss());
        t.doubleColumn("solve_ms").append(ms);
    }

    private static void addVerifyRow(Table t, String plan, int it, String budget, PlanEvaluation e, boolean ok) {
        t.stringColumn("plan").append(plan);
        t.intColumn("iteration").append(it);
        t.stringColumn("solver_budget").append(budget);
        t.doubleColumn("bits_per_weight").append(e.bitsPerWeight());
        t.doubleColumn("predicted_dppl_pct").append(e.predictedDpplPct());
        t.doubleColumn("measured_dppl_pct").append(e.dpplPct().mean());
        t.doubleColumn("measured_dppl_ci95").append(e.dpplPct().halfWidth());
        t.doubleColumn("predicted_kl").append(e.predictedKl());
        t.doubleColumn("measured_kl").append(e.kl().mean());
        t.booleanColumn("meets_budget").append(ok);
    }

    /** The main results table: one row per plan or baseline. */
    public static Table planTable(List<PlanEvaluation> evals) {
        Table t = Table.create("results", StringColumn.create("plan"), StringColumn.create("kind"), LongColumn.create("bytes"),
                DoubleColumn.create("bits_per_weight"), DoubleColumn.create("perplexity"), DoubleColumn.create("dppl_pct"),
                DoubleColumn.create("dppl_pct_ci95"), DoubleColumn.create("kl"), DoubleColumn.create("kl_ci95"),
                DoubleColumn.create("predicted_dppl_pct"), DoubleColumn.create("predicted_kl"), BooleanColumn.create("native_kernels"),
                IntColumn.create("eval_chunks"), StringColumn.create("formats"));
        for (PlanEvaluation e : evals) {
            t.stringColumn("plan").append(e.name());
            t.stringColumn("kind").append(e.kind());
            t.longColumn("bytes").append(e.bytes());
            t.doubleColumn("bits_per_weight").append(e.bitsPerWeight());
            t.doubleColumn("perplexity").append(e.perplexity());
            t.doubleColumn("dppl_pct").append(e.dpplPct().mean());
            t.doubleColumn("dppl_pct_ci95").append(e.dpplPct().halfWidth());
            t.doubleColumn("kl").append(e.kl().mean());
            t.doubleColumn("kl_ci95").append(e.kl().halfWidth());
            t.doubleColumn("predicted_dppl_pct").append(e.predictedDpplPct());
            t.doubleColumn("predicted_kl").append(e.predictedKl());
            t.booleanColumn("native_kernels").append(e.nativeKernels());
            t.intColumn("eval_chunks").append(e.dpplPct().n());
            Map<String, Long> counts = new java.util.TreeMap<>();
            e.assignment().values().forEach(f -> counts.merge(f, 1L, Long::sum));
            StringBuilder sb = new StringBuilder();
            counts.forEach((f, n) -> sb.append(sb.isEmpty() ? "" : " ").append(f).append(':').append(n));
            t.stringColumn("formats").append(sb.toString());
        }
        return t;
    }
}
