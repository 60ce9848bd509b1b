package dev.minerva.model;

import dev.minerva.backend.CpuBackend;
import dev.minerva.engine.Batch;
import dev.minerva.engine.DenseKvCache;
import dev.minerva.engine.ForwardHooks;
import dev.minerva.tensor.DType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engine's forward pass against {@link ReferenceLlama} (float64) on random models of awkward shapes. */
class LlamaReferenceTest {

    static Stream<ModelConfig> configs() {
        return Stream.of(
                // GQA 3 heads over 1 kv head, head size 16, odd hidden width, untied classifier
                new ModelConfig(48, 100, 2, 3, 1, 67, 32, 10000, 1e-5, false, null),
                // head size 10 (not a vector width), 5 heads / 5 kv heads, tied
                new ModelConfig(50, 37, 3, 5, 5, 41, 32, 10000, 1e-5, true, null),
                // Llama 3 style: theta 500000 with llama3 rope scaling, GQA 4/2, head size 18
                new ModelConfig(72, 136, 2, 4, 2, 53, 32, 500000, 1e-5, false, new ModelConfig.RopeScaling(8, 1, 4, 16)),
                // wide enough for every vector loop's main body plus tails
                new ModelConfig(96, 260, 1, 6, 2, 130, 40, 10000, 1e-6, true, null));
    }

    @ParameterizedTest @MethodSource("configs")
    void matchesFloat64Reference(ModelConfig c) {
        try (Arena arena = Arena.ofShared(); CpuBackend backend = new CpuBackend(2)) {
            Weights w = RandomWeights.create(c, DType.F32, 99, arena);
            SplittableRandom rnd = new SplittableRandom(5);
            int[] tokens = new int[13];
            for (int i = 0; i < tokens.length; i++) tokens[i] = rnd.nextInt(c.vocabSize());
            double[][] ref = ReferenceLlama.logits(w, tokens);
            float[] got = backend.read(new Llama(w, backend).forward(Batch.of(0, tokens, 0, true), new DenseKvCache(backend, c), ForwardHooks.NONE));
            int V = c.vocabSize();
            for (int t = 0; t < tokens.length; t++) {
                double maxRef = 0, maxDiff = 0;
                int worst = 0;
                for (int v = 0; v < V; v++) {
                    maxRef = Math.max(maxRef, Math.abs(ref[t][v]));
                    double d = Math.abs(ref[t][v] - got[t * V + v]);
                    if (d > maxDiff) { maxDiff = d; worst = v; }
                }
                double rel = maxDiff / maxRef;
                assertTrue(rel <= 1e-5, c + " row " + t + ": relative error " + rel + " at logit " + worst
                        + " (engine " + got[t * V + worst] + ", float64 " + ref[t][worst] + ")");
            }
        }
    }
}
