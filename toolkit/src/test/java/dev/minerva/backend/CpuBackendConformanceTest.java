package dev.minerva.backend;

import dev.minerva.engine.TreeMask;
import dev.minerva.tensor.DType;
import dev.minerva.tensor.HalfFloats;
import dev.minerva.tensor.Q4_0Codec;
import dev.minerva.tensor.Q8_0Codec;
import dev.minerva.tensor.Tensor;
import dev.minerva.tensor.TensorCodec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** Every CpuBackend op (× weight dtype) against a naive float64 reference on random inputs with awkward sizes. */
class CpuBackendConformanceTest {
    static CpuBackend backend;
    static Arena arena;
    final SplittableRandom rnd = new SplittableRandom(11);

    @BeforeAll static void setUp() { backend = new CpuBackend(2); arena = Arena.ofShared(); }

    @AfterAll static void tearDown() { backend.close(); arena.close(); }

    float[] random(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (rnd.nextDouble() * 2 - 1);
        return a;
    }

    Tensor act(String name, float[] v, int rows, int cols) {
        Tensor t = backend.allocate(name, rows, cols);
        backend.write(t, v);
        return t;
    }

    static void assertNear(double[] expected, float[] got, double tol, String what) {
        assertEquals(expected.length, got.length, what + " length");
        double max = 0;
        int worst = 0;
        for (int i = 0; i < got.length; i++) {
            double d = Math.abs(expected[i] - got[i]) / Math.max(1, Math.abs(expected[i]));
            if (d > max || Double.isNaN(d)) { max = d; worst = i; }
        }
        assertTrue(max <= tol, what + ": max error " + max + " at " + worst + " (expected " + expected[worst] + ", got " + got[worst] + ")");
    }

    // ------------------------------------------------------------ codecs

    @Test void q8_0BlockMatchesHandComputation() {
        float[] x = new float[32];
        for (int j = 0; j < 32; j++) x[j] = j - 16;            // max |x| = 16 → d = 16/127
        MemorySegment s = arena.allocate(34);
        Q8_0Codec.quantize(x, 0, 32, s, 0);
        assertEquals(HalfFloats.floatToF16(16f / 127f), s.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0));
        assertEquals(-127, s.get(ValueLayout.JAVA_BYTE, 2));     // -16 * 127/16
        assertEquals(8, s.get(ValueLayout.JAVA_BYTE, 2 + 17));   // 1 * 7.9375 rounds to 8
        assertEquals(119, s.get(ValueLayout.JAVA_BYTE, 2 + 31)); // 15 * 7.9375 = 119.06
        assertEquals(-8, s.get(ValueLayout.JAVA_BYTE, 2 + 15));  // -1 → -7.9375 → -8 (half away from zero not involved)
        float[] back = new float[32];
        Q8_0Codec.dequantize(s, 0, 32, back, 0);
        float d = HalfFloats.f16ToFloat(HalfFloats.floatToF16(16f / 127f));
        assertEquals(-127 * d, back[0]);
        assertEquals(119 * d, back[31]);
    }

    @Test void q4_0BlockMatchesHandComputation() {
        float[] x = new float[32];
        for (int j = 0; j < 32; j++) x[j] = j - 16;            // value of largest magnitude -16 → d = -16 / -8 = 2
        MemorySegment s = arena.allocate(18);
        Q4_0Codec.quantize(x, 0, 32, s, 0);
        assertEquals(2f, HalfFloats.f16ToFloat(s.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0)));
        // q = min(15, floor(x/2 + 8.5)): x=-16 → 0 (low nibble of byte 0), x=0 (j=16) → 8 (high nibble of byte 0)
        assertEquals((byte) (0 | 8 << 4), s.get(ValueLayout.JAVA_BYTE, 2));
        // j=15: x=-1 → floor(8.0) = 8; j=31: x=15 → floor(16) = 16 → clamped to 15
        assertEquals((byte) (8 | 15 << 4), s.get(ValueLayout.JAVA_BYTE, 2 + 15));
        float[] back = new float[32];
        Q4_0Codec.dequantize(s, 0, 32, back, 0);
        assertEquals(-16f, back[0]);
        assertEquals(0f, back[16]);
        assertEquals(0f, back[15]);      // x=-1 → q=8 → 0
        assertEquals(14f, back[31]);     // clamped
        assertEquals(2f, back[17]);      // x=1 → floor(9.0) = 9 → 2
    }

    @ParameterizedTest @EnumSource(DType.class)
    void roundTripErrorIsWithinTheFormatsBound(DType dt) {
        float[] x = random(96 * 3);
        Tensor t = Tensor.allocate(arena, "t", dt, 3, 96);
        TensorCodec.encode(x, 0, x.length, t, 0);
        float[] back = TensorCodec.toFloats(t);
        for (int b = 0; b < x.length / 32; b++) {
            double amax = 0;
            for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[b * 32 + j]));
            double bound = switch (dt) {
                case F32 -> 0;
                case F16 -> amax * 1e-3;
                case BF16 -> amax * 8e-3;
                case Q8_0 -> amax / 127 * 0.5 * 1.01 + amax * 1e-3;
                case Q4_0 -> amax / 8 * 1.01 + amax * 1e-3;  // clamped top code costs up to one step
            };
            for (int j = 0; j < 32; j++) {
                int i = b * 32 + j;
                assertTrue(Math.abs(x[i] - back[i]) <= bound, dt + " element " + i + ": " + x[i] + " → " + back[i]);
            }
        }
    }

    // ------------------------------------------------------------ matmul

    @ParameterizedTest @EnumSource(DType.class)
    void matmulMatchesFloat64(DType dt) {
        int n = 37;
        int d = dt.isQuantized() ? 160 : 45;
        // decode kernels below 16 (quantised) or 64 (float) rows, the prefill GEMM from there (with a padded tail)
        for (int T : new int[]{1, 3, 4, 5, 9, 11, 12, 16, 17, 23, 24, 64, 70}) {
            float[] wf = random(n * d), xf = random(T * d);
            Tensor w = Tensor.allocate(arena, "w", dt, n, d);
            TensorCodec.encode(wf, 0, wf.length, w, 0);
            float[] wd = TensorCodec.toFloats(w);     // the weights as stored
            float[] xd = xf.clone();
            if (dt.isQuantized()) {
                // the kernel sees activations quantised to Q8_0: the reference uses the same dequantised values
                Tensor xq = Tensor.allocate(arena, "xq", DType.Q8_0, T, d);
                TensorCodec.encode(xf, 0, xf.length, xq, 0);
                xd = TensorCodec.toFloats(xq);
            }
            double[] ref = new double[T * n];
            for (int t = 0; t < T; t++) for (int r = 0; r < n; r++) {
                double s = 0;
                for (int i = 0; i < d; i++) s += (double) wd[r * d + i] * xd[t * d + i];
                ref[t * n + r] = s;
            }
            Tensor out = backend.allocate("out", T, n);
            backend.matmul(out, act("x", xf, T, d), backend.load(w));
            assertNear(ref, backend.read(out), 1e-5, dt + " matmul T=" + T);
        }
    }

    @Test void matmulsOfMixedDtypesEqualSeparateMatmuls() {
        // 950 rows over 2 threads: the chunk boundary falls inside the second matrix
        DType[] dts = {DType.F32, DType.Q8_0, DType.Q4_0};
        int[] rows = {300, 400, 250};
        int d = 160;
        Tensor[] ws = new Tensor[3];
        for (int m = 0; m < 3; m++) {
            ws[m] = Tensor.allocate(arena, "w" + m, dts[m], rows[m], d);
            float[] wf = random(rows[m] * d);
            TensorCodec.encode(wf, 0, wf.length, ws[m], 0);
        }
        for (int T : new int[]{1, 5, 20, 70}) {
            Tensor x = act("x", random(T * d), T, d);
            Tensor[] fused = new Tensor[3];
            for (int m = 0; m < 3; m++) fused[m] = backend.allocate("f" + m, T, rows[m]);
            backend.matmuls(fused, x, ws);
            for (int m = 0; m < 3; m++) {
                Tensor alone = backend.allocate("a" + m, T, rows[m]);
                backend.matmul(alone, x, ws[m]);
                // equal up to float rounding: the same kernels, but where chunks start decides whether a row is
                // summed in a four-row pass or alone (another accumulation order), and a lane reduction's order
                // differs between JIT-compiled and not-yet-compiled Vector API code
                float[] a = backend.read(alone);
                double[] ref = new double[a.length];
                for (int i = 0; i < a.length; i++) ref[i] = a[i];
                assertNear(ref, backend.read(fused[m]), 1e-5, dts[m] + " matrix " + m + " T=" + T);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> backend.matmuls(new Tensor[]{backend.allocate("o", 1, 300)}, act("x", random(d), 1, d), ws[0], ws[1]));
    }

    @ParameterizedTest @EnumSource(DType.class)
    void embeddingDecodesRows(DType dt) {
        int vocab = 11, dim = 64;
        Tensor table = Tensor.allocate(arena, "emb", dt, vocab, dim);
        TensorCodec.encode(random(vocab * dim), 0, vocab * dim, table, 0);
        int[] tokens = {3, 0, 10, 3};
        Tensor out = backend.allocate("out", tokens.length, dim);
        backend.embedding(out, table, tokens);
        float[] got = backend.read(out);
        for (int t = 0; t < tokens.length; t++) {
            float[] row = TensorCodec.row(table, tokens[t]);
            for (int i = 0; i < dim; i++) assertEquals(row[i], got[t * dim + i], dt + " token " + t + " element " + i);
        }
        assertThrows(IllegalArgumentException.class, () -> backend.embedding(out, table, new int[]{0, 1, 2, 11}));
    }

    // ------------------------------------------------------------ elementwise

    @Test void rmsnormMatches() {
        int T = 3, dim = 53;
        float[] x = random(T * dim), w = random(dim);
        Tensor out = backend.allocate("o", T, dim);
        backend.rmsnorm(out, act("x", x, T, dim), backend.load(Tensor.ofF32("w", w, dim)), 1e-5f);
        double[] ref = new double[T * dim];
        for (int t = 0; t < T; t++) {
            double ss = 0;
            for (int i = 0; i < dim; i++) ss += (double) x[t * dim + i] * x[t * dim + i];
            double s = 1 / Math.sqrt(ss / dim + 1e-5);
            for (int i = 0; i < dim; i++) ref[t * dim + i] = x[t * dim + i] * s * w[i];
        }
        assertNear(ref, backend.read(out), 1e-6, "rmsnorm");
    }

    @Test void ropeMatches() {
        ropeCase(6, new float[]{1f, 0.1f, 0.01f}, new int[]{0, 7, 300});
    }

    /** The backend caches cos/sin per position and frequency array: growing positions, a second model's frequencies, and back. */
    @Test void ropeMatchesAcrossCallsAndModels() {
        float[] a = {1f, 0.1f, 0.01f}, b = {0.5f, 0.05f, 0.005f, 0.0005f};
        ropeCase(6, a, new int[]{0, 1, 2});
        ropeCase(6, a, new int[]{3});
        ropeCase(6, a, new int[]{1000, 5, 999});
        ropeCase(8, b, new int[]{4, 2047});
        ropeCase(6, a, new int[]{2048, 1});
        assertThrows(IllegalArgumentException.class, () -> backend.rope(act("x", random(6), 1, 6), new int[]{-1}, 6, a));
    }

    private void ropeCase(int hs, float[] inv, int[] pos) {
        int T = pos.length, heads = 3, width = hs * heads;
        float[] x = random(T * width);
        Tensor t = act("x", x, T, width);
        backend.rope(t, pos, hs, inv);
        double[] ref = new double[x.length];
        for (int r = 0; r < T; r++) for (int i = 0; i < width; i += 2) {
            double a = pos[r] * (double) inv[(i % hs) / 2];
            ref[r * width + i] = x[r * width + i] * Math.cos(a) - x[r * width + i + 1] * Math.sin(a);
            ref[r * width + i + 1] = x[r * width + i] * Math.sin(a) + x[r * width + i + 1] * Math.cos(a);
        }
        assertNear(ref, backend.read(t), 1e-6, "rope at positions " + java.util.Arrays.toString(pos));
    }

    @Test void siluMulAndAddAndCopyRowsMatch() {
        int T = 2, n = 37;
        float[] g = random(T * n), u = random(T * n), y = random(T * n);
        Tensor gt = act("g", g, T, n), ut = act("u", u, T, n);
        backend.siluMul(gt, ut);
        double[] ref = new double[g.length];
        for (int i = 0; i < g.length; i++) ref[i] = g[i] / (1 + Math.exp(-g[i])) * u[i];
        assertNear(ref, backend.read(gt), 1e-6, "siluMul");
        Tensor xt = act("x", g, T, n);
        backend.add(xt, act("y", y, T, n));
        for (int i = 0; i < g.length; i++) ref[i] = (double) g[i] + y[i];
        assertNear(ref, backend.read(xt), 1e-7, "add");
        Tensor dst = backend.allocate("d", 4, n);
        backend.copyRows(dst, 2, act("y", y, T, n), 1, 1);
        float[] got = backend.read(dst, 2, 1);
        for (int i = 0; i < n; i++) assertEquals(y[n + i], got[i]);
    }

    // ------------------------------------------------------------ attention

    @Test void attentionMatchesNaiveCausalAndTree() {
        // odd head size and lengths (every scalar tail), then a Llama-like head of 64 over 37 slots (the vector paths)
        attentionCase(6, 2, 10, 20, 13, 4);
        attentionCase(4, 2, 64, 40, 37, 4);
        // more query rows than one task's row block (8), with causal limits that differ per row
        attentionCase(3, 3, 16, 40, 30, 11);
    }

    private void attentionCase(int nh, int nkv, int hs, int cap, int kvLen, int rows) {
        int dim = nh * hs, kvDim = nkv * hs, T = rows + 2, rowStart = 1;
        int[] parents = new int[rows];
        for (int i = 0; i < rows; i++) parents[i] = i == 0 ? -1 : (i - 1) / 2;   // a binary tree of drafts
        float[] q = random(T * dim), k = random(cap * kvDim), v = random(cap * kvDim);
        for (var mask : new AttentionMask[]{AttentionMask.CAUSAL, new TreeMask(parents)}) {
            Tensor out = backend.allocate("o", T, dim);
            backend.attention(out, act("q", q, T, dim), rowStart, rows, act("k", k, cap, kvDim), act("v", v, cap, kvDim), kvLen, mask, nh, nkv, hs);
            float[] got = backend.read(out, rowStart, rows);
            double[] ref = FlashAttentionTest.reference(q, rowStart, rows, k, v, kvLen, mask, nh, nkv, hs);
            assertNear(ref, got, 1e-5, "attention hs=" + hs + " kv=" + kvLen + " rows=" + rows + " " + mask);
        }
    }

    @Test void supportsAnswersPerOpAndDtype() {
        for (DType dt : DType.values()) {
            assertTrue(backend.supports(Backend.Op.MATMUL, dt));
            assertTrue(backend.supports(Backend.Op.EMBEDDING, dt));
        }
        assertTrue(backend.supports(Backend.Op.RMSNORM, DType.F32));
        assertFalse(backend.supports(Backend.Op.RMSNORM, DType.Q4_0));
    }
}
