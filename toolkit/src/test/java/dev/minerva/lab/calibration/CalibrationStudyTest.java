package dev.minerva.lab.calibration;

import dev.minerva.TestModels;
import dev.minerva.backend.CpuBackend;
import dev.minerva.model.LoadedModel;
import dev.minerva.model.ModelLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Row;
import tech.tablesaw.api.Table;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The whole study on the real stories260K weights, tiny configuration; and resuming from its cache. */
class CalibrationStudyTest {
    @TempDir Path dir;

    static CalibrationConfig config(List<String> formats) {
        return new CalibrationConfig(formats, 14.0, Double.NaN, 32, 2, 3, 1, false, "test"); // w2 stays f32: 13.5 bits is the floor
    }

    @Test void studyOnStories260KAndResume() throws IOException {
        Path model = TestModels.require("stories260K/stories260K.bin");
        Path tok = TestModels.require("stories260K/tok512.bin");
        Path text = TestModels.require("stories260K/reference/greedy_t0_steps256.txt");
        LoadedModel lm = ModelLoader.open(model, tok);
        int[] all = lm.tokenizer().encode(Files.readString(text).strip(), false, false);
        // two different halves of the text: calibration and evaluation never share a token position
        int[] calib = Arrays.copyOfRange(all, 0, 64), eval = Arrays.copyOfRange(all, 64, Math.min(all.length, 64 + 96));
        assertTrue(eval.length >= 96, "reference text too short: " + all.length + " tokens");
        List<QuantTarget> targets = QuantTarget.of(lm.weights());
        assertEquals(36, targets.size(), "stories260K: 5 layers x 7 matmuls + tied embeddings");

        try (CpuBackend backend = new CpuBackend(2)) {
            CalibrationStudy.Inputs in = new CalibrationStudy.Inputs(lm.weights(), "stories260K.bin", "sha-test", calib, eval, lm.tokenizer().bos(),
                    new EngineModel(backend), true);
            // first run measures only q8_0
            CalibrationConfig c1 = config(List.of("q8_0"));
            SensitivityCache cache1 = new SensitivityCache(dir, "sha-test", CalibrationStudy.calibrationFingerprint(calib, c1));
            CalibrationStudy.Result r1 = new CalibrationStudy(c1, in, cache1, false).run();
            long q8Cells = targets.stream().filter(t -> t.accepts(WeightFormats.get("q8_0"))).count();
            assertEquals(31, q8Cells, "w2 (172 inputs) cannot be q8_0");
            assertEquals(q8Cells, r1.measuredEvaluations());

            Table plans = r1.plans();
            Row f32 = find(plans, "uniform f32");
            assertEquals(0.0, f32.getDouble("dppl_pct"), 1e-12, "F32 vs itself");
            assertEquals(0.0, f32.getDouble("kl"), 1e-12);
            assertEquals(32.0, f32.getDouble("bits_per_weight"), 0);
            PlanEvaluation chosen = r1.chosen();
            assertTrue(chosen.bitsPerWeight() <= 14.0, "plan over budget: " + chosen.bitsPerWeight());
            assertTrue(chosen.kl().mean() > 0 && chosen.kl().mean() < 0.05, "q8_0-level plan KL " + chosen.kl().mean());
            // the additive prediction of a mostly-q8_0 plan is the right order of magnitude
            assertTrue(chosen.predictedKl() > chosen.kl().mean() / 10 && chosen.predictedKl() < chosen.kl().mean() * 10,
                    "predicted " + chosen.predictedKl() + " vs measured " + chosen.kl().mean());
            // the plan file validates against the model
            PrecisionPlanFile back = PrecisionPlanFile.parse("plan", new com.fasterxml.jackson.databind.ObjectMapper().readTree(r1.plan().toJson()), targets, "sha-test");
            assertEquals(chosen.assignment().entrySet().stream().filter(e -> !e.getValue().equals("f32")).count(),
                    back.tensors().values().stream().filter(v -> !v.equals("f32")).count());

            // the engine's own plan reader runs it: same dtypes, tensors converted by the engine's codecs
            assertNotNull(r1.enginePlan(), "a q8_0-only plan is an engine plan");
            Path pf = dir.resolve("plan-engine.json");
            r1.enginePlan().write(pf);
            dev.minerva.model.PrecisionPlan ep = dev.minerva.model.PrecisionPlan.read(pf);
            try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
                dev.minerva.model.Weights planned = ep.apply(lm.weights(), arena);
                for (QuantTarget t : targets) {
                    assertEquals(WeightFormats.get(chosen.assignment().get(t.name())).engineType(), planned.get(t.name()).dtype(), t.name());
                }
            }

            // resume: the same calibration with one more format measures only the new cells
            CalibrationConfig c2 = config(List.of("q8_0", "i4_g32"));
            assertEquals(CalibrationStudy.calibrationFingerprint(calib, c1), CalibrationStudy.calibrationFingerprint(calib, c2));
            SensitivityCache cache2 = new SensitivityCache(dir, "sha-test", CalibrationStudy.calibrationFingerprint(calib, c2));
            CalibrationStudy.Result r2 = new CalibrationStudy(c2, in, cache2, false).run();
            long g32Cells = targets.stream().filter(t -> t.accepts(WeightFormats.get("i4_g32"))).count();
            assertEquals(g32Cells, r2.measuredEvaluations(), "only the i4_g32 cells are new");
            assertEquals(q8Cells * SensitivityMetrics.all().size(), r2.cachedCells(), "every q8_0 metric value came from the cache");
            // and cached values are identical to the first run's
            for (Row r : r1.sensitivity()) {
                double a = r.getDouble("measured_kl");
                String key = r.getString("tensor") + "|" + r.getString("format");
                double b = Double.NaN;
                for (Row s : r2.sensitivity()) if ((s.getString("tensor") + "|" + s.getString("format")).equals(key)) b = s.getDouble("measured_kl");
                assertEquals(a, b, 0, key);
            }
        }
    }

    static Row find(Table t, String plan) {
        for (Row r : t) if (r.getString("plan").equals(plan)) return r;
        throw new AssertionError("no row '" + plan + "' in " + t.stringColumn("plan").asList());
    }
}
