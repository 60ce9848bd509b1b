package dev.minerva.eval;

import dev.minerva.TestModels;
import dev.minerva.backend.CpuBackend;
import dev.minerva.engine.Batch;
import dev.minerva.engine.DenseKvCache;
import dev.minerva.engine.ForwardHooks;
import dev.minerva.engine.KvCache;
import dev.minerva.model.Llama;
import dev.minerva.model.LoadedModel;
import dev.minerva.model.ModelLoader;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** Perplexity equals the value computed by hand from single decode steps, whatever the chunking. */
class PerplexityTest {
    @Test void matchesSequentialComputationForAnyChunk() throws Exception {
        LoadedModel m = ModelLoader.open(TestModels.require("stories260K/stories260K.bin"), TestModels.require("stories260K/tok512.bin"));
        int[] ids = m.tokenizer().encode("Once upon a time, there was a little dog. The dog liked to run in the park with Tom.", true, false);
        try (CpuBackend backend = new CpuBackend(2)) {
            Llama llama = new Llama(m.weights(), backend);
            KvCache cache = new DenseKvCache(backend, m.config());
            double nll = 0;
            for (int i = 0; i + 1 < ids.length; i++) {
                float[] l = backend.read(llama.forward(Batch.of(0, new int[]{ids[i]}, i, false), cache, ForwardHooks.NONE));
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (float v : l) max = Math.max(max, v);
                for (float v : l) sum += Math.exp(v - max);
                nll += Math.log(sum) + max - l[ids[i + 1]];
            }
            double expected = Math.exp(nll / (ids.length - 1));
            for (int chunk : new int[]{1, 5, 128}) {
                Perplexity.Result r = Perplexity.evaluate(llama, ids, chunk);
                assertEquals(ids.length - 1, r.tokens());
                assertEquals(expected, r.perplexity(), expected * 1e-5, "chunk " + chunk);
            }
            assertTrue(expected > 1 && expected < 50, "a story sentence should be predictable for a story model: " + expected);
        }
    }
}
