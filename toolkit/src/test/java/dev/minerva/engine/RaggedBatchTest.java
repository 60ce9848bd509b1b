package dev.minerva.engine;

import dev.minerva.backend.CpuBackend;
import dev.minerva.model.Llama;
import dev.minerva.model.ModelConfig;
import dev.minerva.model.RandomWeights;
import dev.minerva.tensor.DType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Ragged batches, prefill vs decode, and tree masks all give the logits of the plain sequential computation. */
class RaggedBatchTest {
    static final ModelConfig C = new ModelConfig(64, 96, 2, 4, 2, 50, 64, 10000, 1e-5, false, null);
    static Arena arena;
    static CpuBackend backend;
    static Llama llama;

    @BeforeAll static void setUp() {
        arena = Arena.ofShared();
        backend = new CpuBackend(2);
        llama = new Llama(RandomWeights.create(C, DType.F32, 3, arena), backend);
    }

    @AfterAll static void tearDown() { backend.close(); arena.close(); }

    /** Logits of every token of {@code tokens} computed one decode step at a time. */
    static float[][] sequential(int[] tokens) {
        KvCache cache = new DenseKvCache(backend, C);
        float[][] out = new float[tokens.length][];
        for (int i = 0; i < tokens.length; i++) {
            out[i] = backend.read(llama.forward(Batch.of(0, new int[]{tokens[i]}, i, false), cache, ForwardHooks.NONE));
        }
        return out;
    }

    static void assertClose(float[] expected, float[] got, int gotOff, String what) {
        double max = 0;
        int worst = 0;
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs(expected[i] - got[gotOff + i]);
            if (d > max) { max = d; worst = i; }
        }
        assertTrue(max <= 2e-5, what + ": max |diff| " + max + " at logit " + worst + " (expected " + expected[worst] + ", got " + got[gotOff + worst] + ")");
    }

    @Test void prefillEqualsSingleDecodes() {
        int[] tokens = {5, 17, 3, 44, 9, 9, 21, 0, 33, 12, 48};
        float[][] seq = sequential(tokens);
        float[] all = backend.read(llama.forward(Batch.of(0, tokens, 0, true), new DenseKvCache(backend, C), ForwardHooks.NONE));
        for (int i = 0; i < tokens.length; i++) assertClose(seq[i], all, i * C.vocabSize(), "prefill row " + i);
        // and a prefill after a decode (cache already holds tokens)
        KvCache cache = new DenseKvCache(backend, C);
        llama.forward(Batch.of(0, Arrays.copyOf(tokens, 4), 0, false), cache, ForwardHooks.NONE);
        float[] rest = backend.read(llama.forward(Batch.of(0, Arrays.copyOfRange(tokens, 4, tokens.length), 4, true), cache, ForwardHooks.NONE));
        for (int i = 4; i < tokens.length; i++) assertClose(seq[i], rest, (i - 4) * C.vocabSize(), "second chunk row " + i);
    }

    @Test void quantisedPrefillAgreesWithQuantisedDecode() {
        // prefill (T >= 4) dequantises weight rows for the float tile; decode uses int8 dot products:
        // both see the same Q8_0 activation values, so only float summation order differs
        for (DType dt : new DType[]{DType.Q8_0, DType.Q4_0}) {
            Llama q = new Llama(dev.minerva.model.PrecisionPlan.uniform(dt).apply(RandomWeights.create(C, DType.F32, 3, arena), arena), backend);
            int[] tokens = {5, 17, 3, 44, 9, 9, 21};
            KvCache c1 = new DenseKvCache(backend, C);
            float[] all = backend.read(q.forward(Batch.of(0, tokens, 0, true), new DenseKvCache(backend, C), ForwardHooks.NONE));
            for (int i = 0; i < tokens.length; i++) {
                float[] one = backend.read(q.forward(Batch.of(0, new int[]{tokens[i]}, i, false), c1, ForwardHooks.NONE));
                double max = 0, scale = 0;
                for (int v = 0; v < one.length; v++) {
                    max = Math.max(max, Math.abs(one[v] - all[i * C.vocabSize() + v]));
                    scale = Math.max(scale, Math.abs(one[v]));
                }
                assertTrue(max / scale <= 1e-4, dt + " row " + i + ": relative difference " + max / scale);
            }
        }
    }

    @Test void raggedBatchEqualsEachSequenceAlone() {
        int[] a = {1, 2, 3, 4, 5, 6}, b = {7, 8, 9, 10, 11, 12, 13}, c = {14, 15, 16};
        float[][] sa = sequential(a), sb = sequential(b), sc = sequential(c);
        KvCache cache = new DenseKvCache(backend, C);
        // sequences start at different points: a has 3 tokens cached, b has 1, c none
        llama.forward(new Batch(List.of(Batch.causal(10, Arrays.copyOf(a, 3), 0, false), Batch.causal(20, Arrays.copyOf(b, 1), 0, false))),
                cache, ForwardHooks.NONE);
        Batch mixed = new Batch(List.of(
                Batch.causal(10, new int[]{a[3]}, 3, false),                       // decode
                Batch.causal(20, Arrays.copyOfRange(b, 1, 5), 1, true),            // chunked prefill, all logits
                Batch.causal(30, c, 0, false)));                                   // fresh prefill, last logits
        float[] got = backend.read(llama.forward(mixed, cache, ForwardHooks.NONE));
        int V = C.vocabSize();
        assertEquals(1 + 4 + 1, got.length / V);
        assertClose(sa[3], got, 0, "seq a decode");
        for (int i = 0; i < 4; i++) assertClose(sb[1 + i], got, (1 + i) * V, "seq b row " + (1 + i));
        assertClose(sc[2], got, 5 * V, "seq c last");
        assertEquals(4, cache.length(10));
        assertEquals(5, cache.length(20));
        assertEquals(3, cache.length(30));
        // batched decode of all three continues each one correctly
        float[] next = backend.read(llama.forward(new Batch(List.of(
                Batch.causal(10, new int[]{a[4]}, 4, false), Batch.causal(20, new int[]{b[5]}, 5, false))), cache, ForwardHooks.NONE));
        assertClose(sa[4], next, 0, "seq a step 2");
        assertClose(sb[5], next, V, "seq b step 2");
    }

    @Test void treeMaskEqualsTheLinearBranches() {
        int[] prefix = {3, 1, 4, 1, 5};
        // tree: r0 = 9 (root), r1 = 2 (child of r0), r2 = 6 (child of r0), r3 = 7 (child of r2)
        int[] tree = {9, 2, 6, 7};
        int[] parent = {-1, 0, 0, 2};
        int[] positions = {5, 6, 6, 7};
        KvCache cache = new DenseKvCache(backend, C);
        llama.forward(Batch.of(0, prefix, 0, false), cache, ForwardHooks.NONE);
        float[] got = backend.read(llama.forward(new Batch(List.of(new Batch.Entry(0, tree, positions, true, new TreeMask(parent)))),
                cache, ForwardHooks.NONE));
        int V = C.vocabSize();
        int[][] branches = {{9}, {9, 2}, {9, 6}, {9, 6, 7}};
        for (int r = 0; r < 4; r++) {
            int[] seq = new int[prefix.length + branches[r].length];
            System.arraycopy(prefix, 0, seq, 0, prefix.length);
            System.arraycopy(branches[r], 0, seq, prefix.length, branches[r].length);
            float[][] s = sequential(seq);
            assertClose(s[seq.length - 1], got, r * V, "tree row " + r);
        }
        cache.truncate(0, prefix.length + 1);
        assertEquals(6, cache.length(0));
    }

    @Test void contextLimitIsAClearErrorAndAppendsNothing() {
        KvCache cache = new DenseKvCache(backend, C, 8);
        llama.forward(Batch.of(0, new int[]{1, 2, 3, 4, 5, 6}, 0, false), cache, ForwardHooks.NONE);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> llama.forward(Batch.of(0, new int[]{1, 2, 3}, 6, false), cache, ForwardHooks.NONE));
        assertTrue(e.getMessage().contains("context limit"), e.getMessage());
        assertEquals(6, cache.length(0));
    }

    @Test void hooksSeeNamedTaps() {
        java.util.Map<String, float[]> seen = new java.util.LinkedHashMap<>();
        ForwardHooks hooks = new ForwardHooks() {
            @Override public boolean wants(String tap) { return true; }
            @Override public void on(String tap, dev.minerva.tensor.Tensor value, Batch batch, dev.minerva.backend.Backend b) { seen.put(tap, b.read(value)); }
        };
        float[] logits = backend.read(llama.forward(Batch.of(0, new int[]{4, 5}, 0, false), new DenseKvCache(backend, C), hooks));
        for (String t : List.of("embeddings", "layer.0.attn.wq.in", "layer.1.attn.q", "layer.1.attn.wo.in", "layer.0.mlp.w2.in",
                "layer.1.mlp.out", "layer.1.out", "final.hidden", "logits")) assertTrue(seen.containsKey(t), "missing tap " + t);
        assertEquals(2 * C.hiddenDim(), seen.get("layer.0.mlp.w2.in").length);
        assertArrayEquals(logits, seen.get("logits"));
        assertEquals("layer.3.attn.wq.in", ForwardHooks.weightInputTap("layers.3.wq"));
        assertEquals("layer.0.mlp.w2.in", ForwardHooks.weightInputTap("layers.0.w2"));
    }
}
