package dev.minerva.lab.roofline;

import dev.minerva.model.ModelConfig;
import dev.minerva.model.ModelPresets;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.*;

/** Roofline arithmetic against values computed by hand from the model shapes. */
class CostModelTest {

    static final ModelConfig TINY = ModelPresets.get("tinyllama-1.1b");   // dim 2048, hidden 5632, 22 layers, 32 heads, 4 kv heads
    static final Hardware H100 = HardwareCatalog.get("h100-sxm");

    static Workload tiny(Phase phase, int batch, int context, String weights, AttentionKind att) {
        return new Workload("tinyllama-1.1b", TINY, phase, batch, context, StorageFormat.parse(weights), StorageFormat.F16,
                StorageFormat.F16, att);
    }

    static Op op(List<Op> ops, String name) {
        return ops.stream().filter(o -> o.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void exactParameterCounts() {
        assertEquals(1_100_048_384L, TINY.parameterCount());
        assertEquals(6_738_415_616L, ModelPresets.get("llama-2-7b").parameterCount());
        assertEquals(8_030_261_248L, ModelPresets.get("llama-3-8b").parameterCount());
        assertEquals(1_235_814_400L, ModelPresets.get("llama-3.2-1b").parameterCount());
        assertEquals(7_241_732_096L, ModelPresets.get("mistral-7b").parameterCount());
    }

    @Test
    void wqGemvOfOneLayerByHand() {
        Op wq = op(CostModel.ops(tiny(Phase.DECODE, 1, 512, "f16", AttentionKind.FLASH)), "wq");
        assertEquals(22, wq.count());
        assertEquals(2.0 * 2048 * 2048, wq.flops(), 0, "2·in·out FLOPs");          // 8,388,608
        assertEquals(2048.0 * 2048 * 2, wq.weightBytes(), 0, "f16 weights");          // 8,388,608
        assertEquals((2048 + 2048) * 2.0, wq.actBytes(), 0, "x in, q out, f16");      // 8,192
        assertEquals(8_388_608.0 / 8_396_800.0, wq.intensity(), 1e-15);
        OpBound b = Roofline.analyze(tiny(Phase.DECODE, 1, 512, "f16", AttentionKind.FLASH), H100).ops().get(2);
        assertEquals("wq", b.op().name());
        assertEquals("memory", b.bound());
        assertEquals(22 * 8_396_800.0 / 3.35e12, b.time(), 1e-18);
    }

    @Test
    void prefillFlopsOfAPromptByHand() {
        long T = 128, d = TINY.dim(), kv = TINY.kvDim(), h = TINY.hiddenDim(), L = TINY.nLayers(), heads = TINY.nHeads(), hs = TINY.headSize();
        double matmuls = L * 2.0 * T * (d * d + 2 * d * kv + d * d + 3 * d * h);   // wq wk wv wo, w1 w3 w2
        double attention = L * heads * (T * (T + 1) / 2.0) * (4 * hs + 5);          // causal pairs only
        double elementwise = L * (2 * 4.0 * T * d + 3.0 * T * (d + kv) + 5.0 * T * h + 2.0 * T * d);  // 2 norms, rope, silu·mul, 2 adds
        double head = 4.0 * d + 2.0 * d * TINY.vocabSize();                         // final norm and logits of the last token
        assertEquals(matmuls + attention + elementwise + head, CostModel.prefillFlops(TINY, (int) T), 1e-6 * matmuls);
        // TinyLlama: about 1.94 GFLOP per prompt token in the matmuls
        assertEquals(1.94e9, matmuls / T, 0.01e9);
    }

    @Test
    void q8WeightsCostEightAndAHalfBits() {
        Op wq = op(CostModel.ops(tiny(Phase.DECODE, 1, 512, "q8_0", AttentionKind.FLASH)), "wq");
        assertEquals(2048.0 * 2048 * 8.5 / 8, wq.weightBytes(), 0);
        assertEquals(4.5, StorageFormat.parse("q4_0").bits());
    }

    @Test
    void weightAndKvBytesOfADecodeStepByHand() {
        RooflineReport r = Roofline.analyze(tiny(Phase.DECODE, 1, 512, "f16", AttentionKind.FLASH), H100);
        long p = TINY.parameterCount(), d = TINY.dim(), v = TINY.vocabSize();
        long norms = (2L * TINY.nLayers() + 1) * d;
        long linear = p - v * d - norms;                                // every matmul weight incl. the classifier
        double expectWeights = 2.0 * linear + 4.0 * norms + 2.0 * d;    // f16 matmuls, f32 norms, one embedding row
        assertEquals(expectWeights, r.weightBytes(), 0);
        double kvRead = 22.0 * 512 * 2 * 256 * 2, kvWrite = 22.0 * 2 * 256 * 2;
        assertEquals(kvRead + kvWrite, r.kvBytes(), 0);
        // batch 1 is memory-bound: the ceiling is bandwidth / bytes per token
        assertFalse(r.computeBound());
        assertEquals(3.35e12 / r.bytes(), r.tokensPerSecondCeiling(), 1e-9);
        assertEquals(1607, r.tokensPerSecondCeiling(), 1);
        // matmul FLOPs are exactly 2 per weight; the whole step is ≈ 2.16 GFLOP, not 11 GFLOP
        double matmulFlops = r.ops().stream().filter(o -> o.op().kind() == OpKind.MATMUL)
                .mapToDouble(o -> o.op().flops() * o.op().count()).sum();
        assertEquals(2.0 * linear, matmulFlops, 0);
        assertEquals(2.164e9, r.flopsPerToken(), 0.001e9);
    }

    @Test
    void ceilingScalesWithWeightBits() {
        double f16 = Roofline.analyze(tiny(Phase.DECODE, 1, 512, "f16", AttentionKind.FLASH), H100).tokensPerSecondCeiling();
        double int4 = Roofline.analyze(tiny(Phase.DECODE, 1, 512, "int4", AttentionKind.FLASH), H100).tokensPerSecondCeiling();
        // not exactly 4×: KV, activations and f32 norms do not shrink
        assertTrue(int4 / f16 > 3.7 && int4 / f16 < 4.0, "int4/f16 = " + int4 / f16);
    }

    @Test
    void naiveAttentionMovesTheScoreMatrixAndRereadsKv() {
        Op flash = op(CostModel.ops(tiny(Phase.DECODE, 2, 512, "f16", AttentionKind.FLASH)), "attention");
        Op naive = op(CostModel.ops(tiny(Phase.DECODE, 2, 512, "f16", AttentionKind.NAIVE)), "attention");
        double pairs = 2.0 * 512;
        assertEquals(32 * pairs * (4 * 64 + 5), flash.flops(), 0);
        assertEquals(flash.flops(), naive.flops(), 0);
        assertEquals(4 * 32 * pairs * 4, naive.actBytes() - flash.actBytes(), 0, "f32 scores: write, read, write, read");
        assertEquals(8 * flash.kvReadBytes(), naive.kvReadBytes(), 0, "K/V re-read per query head (32/4)");
    }

    @Test
    void prefillCountsCausalPairsAndLastPositionLogits() {
        List<Op> ops = CostModel.ops(tiny(Phase.PREFILL, 1, 512, "f16", AttentionKind.FLASH));
        assertEquals(2.0 * 512 * 2048 * 2048, op(ops, "wq").flops(), 0);
        assertEquals(32 * (512.0 * 513 / 2) * (4 * 64 + 5), op(ops, "attention").flops(), 0);
        assertEquals(2.0 * 2048 * 32000, op(ops, "classifier").flops(), 0);
        List<Op> naive = CostModel.ops(tiny(Phase.PREFILL, 1, 512, "f16", AttentionKind.NAIVE));
        assertEquals(32 * (512.0 * 512) * (4 * 64 + 5), op(naive, "attention").flops(), 0);
    }

    @Test
    void computeBoundBatchIsTheBoundary() {
        Workload w = tiny(Phase.DECODE, 1, 512, "f16", AttentionKind.FLASH);
        int b = Roofline.linearComputeBoundBatch(w, H100).orElseThrow();
        // above the ridge point (295 FLOP/B): activation traffic also grows with the batch
        assertTrue(b > H100.ridgePoint(ComputeType.FP16), "turn at " + b);
        assertTrue(linearComputeBound(w.withBatch(b)));
        assertFalse(linearComputeBound(w.withBatch(b - 1)));
        // at 512 context the KV traffic (≈ 11.5 MB per sequence) keeps the whole step memory-bound
        assertEquals(OptionalInt.empty(), Roofline.computeBoundBatch(w, H100));
        // with a short context the whole step does turn compute-bound
        Workload shortCtx = tiny(Phase.DECODE, 1, 16, "f16", AttentionKind.FLASH);
        int s = Roofline.computeBoundBatch(shortCtx, H100).orElseThrow();
        assertTrue(Roofline.analyze(shortCtx.withBatch(s), H100).computeBound());
        assertFalse(Roofline.analyze(shortCtx.withBatch(s - 1), H100).computeBound());
    }

    private static boolean linearComputeBound(Workload w) {
        double ct = 0, mt = 0;
        for (OpBound b : Roofline.analyze(w, H100).ops()) {
            if (b.op().kind() != OpKind.MATMUL) continue;
            ct += b.computeTime();
            mt += b.memoryTime();
        }
        return ct >= mt;
    }

    @Test
    void computeTypeFollowsActivations() {
        assertEquals(ComputeType.FP16, tiny(Phase.DECODE, 1, 1, "q4_0", AttentionKind.FLASH).computeType());
        assertEquals(ComputeType.INT8, ComputeType.of(StorageFormat.parse("int8"), StorageFormat.parse("int8")));
        assertEquals(ComputeType.FP32, ComputeType.of(StorageFormat.parse("f32"), StorageFormat.parse("f32")));
    }

    @Test
    void unknownNamesListTheKnownOnes() {
        var e = assertThrows(IllegalArgumentException.class, () -> HardwareCatalog.get("tpu-v9"));
        assertTrue(e.getMessage().contains("h100-sxm") && e.getMessage().contains("this-machine"), e.getMessage());
        var f = assertThrows(IllegalArgumentException.class, () -> StorageFormat.parse("fp5"));
        assertTrue(f.getMessage().contains("q8_0"), f.getMessage());
        assertThrows(IllegalArgumentException.class, () -> tiny(Phase.DECODE, 0, 512, "f16", AttentionKind.FLASH));
    }

    @Test
    void ridgePoints() {
        assertEquals(295.4, H100.ridgePoint(ComputeType.FP16), 0.1);
        assertEquals(153.0, HardwareCatalog.get("a100-80gb").ridgePoint(ComputeType.FP16), 0.1);
    }
}
