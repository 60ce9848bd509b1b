package dev.minerva.model;

import dev.minerva.TestModels;
import dev.minerva.backend.CpuBackend;
import dev.minerva.engine.Batch;
import dev.minerva.engine.DenseKvCache;
import dev.minerva.engine.ForwardHooks;
import dev.minerva.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Precision plans: JSON form, which tensors change, and quantised models still track the float64 reference. */
class PrecisionPlanTest {
    @TempDir Path dir;

    @Test void jsonRoundTripAndErrors() throws Exception {
        PrecisionPlan p = new PrecisionPlan(DType.Q4_0, Map.of("layers.0.w2", DType.F32, "tok_embeddings", DType.Q8_0));
        Path f = dir.resolve("plan.json");
        p.write(f);
        assertEquals(p, PrecisionPlan.read(f));
        Files.writeString(f, "{\"default\": \"q7\"}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PrecisionPlan.read(f));
        assertTrue(e.getMessage().contains("plan.json") && e.getMessage().contains("default"), e.getMessage());
        Files.writeString(f, "{\"tensors\": {\"layers.0.wq\": \"int3\"}}");
        e = assertThrows(IllegalArgumentException.class, () -> PrecisionPlan.read(f));
        assertTrue(e.getMessage().contains("tensors.layers.0.wq"), e.getMessage());
        Files.writeString(f, "[1, 2");
        assertThrows(IllegalArgumentException.class, () -> PrecisionPlan.read(f));
    }

    @Test void uniformPlanQuantisesMatricesThatFitBlocksOnly() throws Exception {
        Weights w = ModelLoader.open(TestModels.require("stories260K/stories260K.bin"), null).weights();
        try (Arena arena = Arena.ofShared()) {
            Weights q = PrecisionPlan.uniform(DType.Q8_0).apply(w, arena);
            assertEquals(DType.Q8_0, q.layer(0, "wq").dtype());
            assertEquals(DType.Q8_0, q.get("tok_embeddings").dtype());
            assertEquals(DType.F32, q.layer(0, "w2").dtype(), "rows of 172 cannot be Q8_0 blocks");
            assertEquals(DType.F32, q.layer(0, "rms_att").dtype());
            Weights mixed = new PrecisionPlan(DType.Q4_0, Map.of("layers.1.wq", DType.BF16)).apply(w, arena);
            assertEquals(DType.BF16, mixed.layer(1, "wq").dtype());
            assertEquals(DType.Q4_0, mixed.layer(0, "wq").dtype());
            assertThrows(IllegalArgumentException.class, () -> new PrecisionPlan(null, Map.of("nope", DType.F16)).apply(w, arena));
        }
    }

    @Test void quantisedModelsTrackTheReferenceOfTheirOwnWeights() {
        ModelConfig c = new ModelConfig(64, 96, 2, 4, 2, 50, 32, 10000, 1e-5, false, null);
        try (Arena arena = Arena.ofShared(); CpuBackend backend = new CpuBackend(2)) {
            Weights f32 = RandomWeights.create(c, DType.F32, 8, arena);
            int[] tokens = {3, 14, 15, 9, 26, 5};
            for (DType dt : DType.values()) {
                Weights w = PrecisionPlan.uniform(dt).apply(f32, arena);
                double[][] ref = ReferenceLlama.logits(w, tokens);   // float64 over the stored (dequantised) weights
                float[] got = backend.read(new Llama(w, backend).forward(Batch.of(0, tokens, 0, true), new DenseKvCache(backend, c), ForwardHooks.NONE));
                // F32/F16/BF16 compute exactly on the stored weights; Q8_0/Q4_0 also quantise activations to 8 bits
                double tol = dt.isQuantized() ? 3e-2 : 1e-5;
                for (int t = 0; t < tokens.length; t++) {
                    double maxRef = 0, maxDiff = 0;
                    for (int v = 0; v < c.vocabSize(); v++) {
                        maxRef = Math.max(maxRef, Math.abs(ref[t][v]));
                        maxDiff = Math.max(maxDiff, Math.abs(ref[t][v] - got[t * c.vocabSize() + v]));
                    }
                    assertTrue(maxDiff / maxRef <= tol, dt + " row " + t + ": relative error " + maxDiff / maxRef);
                }
            }
        }
    }
}
