package dev.minerva.lab.engine;

import dev.minerva.TestModels;
import dev.minerva.lab.roofline.CostModel;
import dev.minerva.model.ModelConfig;
import dev.minerva.model.ModelLoader;
import dev.minerva.record.Locations;
import dev.minerva.record.RecordedRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Row;
import tech.tablesaw.api.Table;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The engine study end to end at the tiny budget on the real stories260K checkpoint. */
class EngineStudyTest {

    @Test void tinyRunOnStories260K(@TempDir Path out) throws Exception {
        Path bin = TestModels.require("stories260K/stories260K.bin"), tok = TestModels.require("stories260K/tok512.bin");
        Path root = Locations.root();
        EngineStudyConfig cfg = EngineStudyConfig.forBudget("tiny", bin, tok, root.resolve("datasets/stories/evaluation.txt"));
        EngineStudy.Result r = EngineStudy.run(cfg, out);

        Table c = r.tables().correctness();
        System.out.println(c.printAll());
        for (Row row : c) assertTrue(row.getBoolean("pass"), row.getString("check") + ": " + row.getString("detail"));
        assertEquals(3, c.rowCount());

        Table f = r.tables().formats();
        System.out.println(f.printAll());
        assertEquals(5, f.rowCount(), "llama2c, safetensors F32, GGUF F32/Q8_0/Q4_0");
        double bytesF32 = 0, bytesQ8 = 0, bytesQ4 = 0;
        for (Row row : f) {
            String v = row.getString("format") + " " + row.getString("dtype");
            switch (row.getString("dtype")) {
                case "F32" -> {
                    // the same weights in any container: the same greedy tokens, scores equal up to float rounding
                    assertTrue(row.getBoolean("greedy_identical"), v + " greedy differs from step " + row.getInt("first_diff_step"));
                    assertTrue(row.getDouble("top1_agreement") >= 0.99, v + " top-1 agreement " + row.getDouble("top1_agreement"));
                    assertEquals(0.0, row.getDouble("dppl_pct"), 1e-3, v + " Δppl (%)");
                    bytesF32 = row.getLong("weight_bytes");
                }
                case "Q8_0" -> {
                    // measured 98.6-98.9 % (3-4 of 277 tokens) at this budget, 97.7 % at ci, 98.1 % on the whole text; not 99 %:
                    // stories260K has many near-ties and even Q8_0 weights with F32 activations reach only 98.3-98.7 %
                    // (Q8AgreementDiagnostics, papers/engine/paper.md). 0.97 leaves room for the run-to-run rounding flips.
                    assertTrue(row.getDouble("top1_agreement") >= 0.97, v + " top-1 agreement " + row.getDouble("top1_agreement"));
                    assertTrue(Math.abs(row.getDouble("dppl_pct")) < 1, v + " Δppl " + row.getDouble("dppl_pct"));
                    bytesQ8 = row.getLong("weight_bytes");
                }
                case "Q4_0" -> {
                    assertTrue(row.getDouble("top1_agreement") >= 0.5, v + " top-1 agreement " + row.getDouble("top1_agreement"));
                    assertTrue(row.getDouble("dppl_pct") > 0, v + " Q4_0 should cost perplexity: " + row.getDouble("dppl_pct"));
                    bytesQ4 = row.getLong("weight_bytes");
                }
                default -> fail("unexpected dtype " + v);
            }
            assertTrue(row.getDouble("ppl") > 1 && row.getDouble("ppl") < 512, v + " perplexity " + row.getDouble("ppl"));
            assertTrue(row.getInt("eval_tokens") > 100, v + " eval tokens " + row.getInt("eval_tokens"));
        }
        assertTrue(bytesQ4 < bytesQ8 && bytesQ8 < bytesF32, "weight bytes F32 " + bytesF32 + ", Q8_0 " + bytesQ8 + ", Q4_0 " + bytesQ4);

        Table s = r.tables().speed();
        System.out.println(s.printAll());
        ModelConfig config = ModelLoader.open(bin, tok).config();   // the budget's speed rows are all stories260K
        assertEquals(3, s.rowCount());
        for (Row row : s) {
            double tps = row.getDouble("decode_tps"), ceiling = row.getDouble("ceiling_tps"), triad = row.getDouble("triad_gbs");
            assertTrue(tps > 0 && row.getDouble("prefill_tps") > 0 && triad > 0, "speeds must be positive: " + row);
            assertEquals(triad * 1e9 / row.getLong("weight_bytes_per_token"), ceiling, ceiling * 1e-9, "ceiling = triad ÷ bytes");
            assertEquals(100 * tps / ceiling, row.getDouble("pct_of_triad"), 1e-6 * row.getDouble("pct_of_triad"), "% of triad");
            double read = row.getDouble("read_gbs");
            assertTrue(read > 0, "read bandwidth must be positive: " + row);
            assertEquals(100 * row.getDouble("decode_gbs") / read, row.getDouble("pct_of_read"), 1e-6 * row.getDouble("pct_of_read"), "% of read");
            assertEquals(1e3 / tps, row.getDouble("tpot_ms"), 1e-9 * row.getDouble("tpot_ms"), "TPOT");
            // prefill against the compute roof: the cost model's FLOPs per prompt token times prefill tokens/s
            double flopsPerToken = CostModel.prefillFlops(config, row.getInt("prompt_tokens")) / row.getInt("prompt_tokens");
            assertEquals(row.getDouble("prefill_tps") * flopsPerToken / 1e9, row.getDouble("prefill_gflops"), 1e-9 * row.getDouble("prefill_gflops"), "prefill GFLOP/s");
            assertTrue(row.getDouble("fma_gflops") > 0, "FMA peak must be positive: " + row);
            assertEquals(100 * row.getDouble("prefill_gflops") / row.getDouble("fma_gflops"), row.getDouble("pct_of_fma"), 1e-6 * row.getDouble("pct_of_fma"), "% of FMA peak");
            assertEquals(cfg.genTokens() - 1, row.getInt("decode_steps"));
            // the row is one of its runs (the median by decode), inside the range of all of them
            assertEquals(cfg.speedRepeats(), row.getInt("runs"));
            for (String col : List.of("decode_tps", "prefill_tps", "pct_of_triad")) {
                assertTrue(row.getDouble(col + "_min") <= row.getDouble(col) && row.getDouble(col) <= row.getDouble(col + "_max"), col + " outside its range: " + row);
            }
        }

        Table b = r.tables().batching();
        System.out.println(b.printAll());
        assertEquals(cfg.dtypes().size() * cfg.batches().size(), b.rowCount(), "a row per dtype and batch size");
        for (Row row : b) {
            int batch = row.getInt("batch");
            double tps = row.getDouble("decode_tps");
            assertTrue(tps > 0 && row.getDouble("prefill_tps") > 0, "speeds must be positive: " + row);
            assertEquals(batch * 1e3 / tps, row.getDouble("tpot_ms"), 1e-9 * row.getDouble("tpot_ms"), "a step decodes every sequence");
            if (batch == 1) assertEquals(1.0, row.getDouble("speedup"), 1e-12);
            assertEquals(cfg.genTokens() - 1, row.getInt("decode_steps"));
        }

        RecordedRun run = r.recorded();
        for (String t : new String[]{"results", "correctness", "formats", "batching", "run"}) {
            assertTrue(Files.isRegularFile(run.dir().resolve(t + (t.equals("run") ? ".json" : ".csv"))), t);
        }
        assertEquals(3, run.table("results").rowCount());
        assertEquals("engine", run.run().study());
        assertNotNull(run.run().modelSha256());
        for (String id : new String[]{EngineFigures.DECODE_VS_CEILING, EngineFigures.ACCURACY, EngineFigures.DECODE_VS_BATCH}) {
            Path png = Locations.paperFigures(out, EngineStudy.PAPER).resolve(id + ".png");
            assertTrue(Files.size(png) > 1000, png.toString());
        }
    }

    @Test void batchSizesBelowOneAreRefused() {
        EngineStudyConfig t = EngineStudyConfig.forBudget("tiny", Path.of("m"), Path.of("t"), Path.of("e"));
        for (java.util.List<Integer> bad : java.util.List.of(java.util.List.<Integer>of(), java.util.List.of(1, 0))) {
            var e = assertThrows(IllegalArgumentException.class, () -> new EngineStudyConfig(t.budget(), t.model(), t.tokenizer(),
                    t.evaluationText(), t.evalChars(), t.greedySteps(), t.dtypes(), t.promptTokens(), t.genTokens(), t.warmupTokens(),
                    bad, t.synthPreset(), t.triadArrayBytes(), t.triadPasses(), t.threads(), t.speedRepeats()));
            assertTrue(e.getMessage().contains("batch sizes"), e.getMessage());
        }
    }

    @Test void unknownBudgetIsRefused() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> EngineStudyConfig.forBudget("huge", Path.of("m"), Path.of("t"), Path.of("e")));
        assertTrue(e.getMessage().contains("huge"), e.getMessage());
    }

    @Test void missingModelIsNamed(@TempDir Path dir) throws Exception {
        Path text = Files.writeString(dir.resolve("e.txt"), "hello");
        EngineStudyConfig cfg = EngineStudyConfig.forBudget("tiny", dir.resolve("none.bin"), text, text);
        var e = assertThrows(IllegalArgumentException.class, () -> EngineStudy.open(cfg));
        assertTrue(e.getMessage().contains("none.bin"), e.getMessage());
    }
}
