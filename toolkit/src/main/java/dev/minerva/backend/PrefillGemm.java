package dev.minerva.backend;

import dev.minerva.tensor.Tensor;
import dev.minerva.tensor.TensorCodec;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Matmul for many input rows (prefill), any weight dtype: {@code out (T, n) = x (T, d) . w (n, d)^T}
 * for output rows {@code [r0, r1)}. Weights are decoded to floats a panel of {@code P = 2 x lanes}
 * output rows at a time and stored transposed, {@code panel[i * P + j] = w[r + j][i]}, so the inner
 * loop is an outer product: per input index, two panel vectors times six broadcast activations into
 * twelve accumulators that each hold P/2 outputs of one token. No horizontal reductions, results are
 * stored as whole vectors, and the panel (P x d floats) stays in L2 while every token streams past it.
 * Decoding and transposing cost O(n d) once per call against the O(T n d) multiply-adds, which is why
 * calls with few tokens stay on the decode kernels ({@code CpuBackend.gemmRows}).
 */
final class PrefillGemm {
    private PrefillGemm() {}

    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    private static final int L = FS.length();
    /** Output rows per panel. */
    static final int P = 2 * L;
    /** Tokens per register tile: 6 x 2 accumulators + 2 panel vectors + 1 broadcast fit 16 vector registers. */
    private static final int TT = 6;

    /** Per-thread scratch (decoded rows, panel, tile, padded last tokens), grown as needed: a prefill makes hundreds of calls per thread. */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[][]{new float[0], new float[0], new float[TT * P], new float[0]});

    static void rows(float[] out, float[] x, Tensor w, int T, int n, int d, int r0, int r1) {
        float[][] scratch = SCRATCH.get();
        if (scratch[0].length < P * d) { scratch[0] = new float[P * d]; scratch[1] = new float[P * d]; scratch[3] = new float[TT * d]; }
        float[] rowBuf = scratch[0], panel = scratch[1], tile = scratch[2], tail = scratch[3];
        // the last T % 6 tokens, zero-padded to a full tile: a 6-token tile on zeros costs less than
        // a one-token loop, whose two accumulators wait on FMA latency
        int full = T - T % TT;
        if (full < T) {
            System.arraycopy(x, full * d, tail, 0, (T - full) * d);
            java.util.Arrays.fill(tail, (T - full) * d, TT * d, 0f);
        }
        for (int r = r0; r < r1; r += P) {
            int rows = Math.min(P, r1 - r);
            TensorCodec.decode(w, (long) r * d, rows * d, rowBuf, 0);
            if (rows < P) java.util.Arrays.fill(rowBuf, rows * d, P * d, 0f);
            for (int j = 0; j < P; j++) {
                for (int i = 0, src = j * d; i < d; i++) panel[i * P + j] = rowBuf[src + i];
            }
            int t = 0;
            for (; t + TT <= T; t += TT) {
                if (rows == P) tile6(panel, x, t, d, out, t * n + r, n);
                else {
                    tile6(panel, x, t, d, tile, 0, P);
                    for (int k = 0; k < TT; k++) System.arraycopy(tile, k * P, out, (t + k) * n + r, rows);
                }
            }
            if (t < T) {
                tile6(panel, tail, 0, d, tile, 0, P);
                for (int k = 0; t + k < T; k++) System.arraycopy(tile, k * P, out, (t + k) * n + r, rows);
            }
        }
    }

    /** Six tokens from {@code t} against one panel; token k's P outputs go to {@code o[oOff + k * stride ..]}. */
    private static void tile6(float[] panel, float[] x, int t, int d, float[] o, int oOff, int stride) {
        int x0 = t * d, x1 = x0 + d, x2 = x1 + d, x3 = x2 + d, x4 = x3 + d, x5 = x4 + d;
        FloatVector a0 = FloatVector.zero(FS), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0;
        FloatVector a3 = a0, b3 = a0, a4 = a0, b4 = a0, a5 = a0, b5 = a0;
        for (int i = 0; i < d; i++) {
            FloatVector u = FloatVector.fromArray(FS, panel, i * P), v = FloatVector.fromArray(FS, panel, i * P + L);
            FloatVector s = FloatVector.broadcast(FS, x[x0 + i]);
            a0 = u.fma(s, a0); b0 = v.fma(s, b0);
            s = FloatVector.broadcast(FS, x[x1 + i]);
            a1 = u.fma(s, a1); b1 = v.fma(s, b1);
            s = FloatVector.broadcast(FS, x[x2 + i]);
            a2 = u.fma(s, a2); b2 = v.fma(s, b2);
            s = FloatVector.broadcast(FS, x[x3 + i]);
            a3 = u.fma(s, a3); b3 = v.fma(s, b3);
            s = FloatVector.broadcast(FS, x[x4 + i]);
            a4 = u.fma(s, a4); b4 = v.fma(s, b4);
            s = FloatVector.broadcast(FS, x[x5 + i]);
            a5 = u.fma(s, a5); b5 = v.fma(s, b5);
        }
        a0.intoArray(o, oOff); b0.intoArray(o, oOff + L);
        a1.intoArray(o, oOff + stride); b1.intoArray(o, oOff + stride + L);
        a2.intoArray(o, oOff + 2 * stride); b2.intoArray(o, oOff + 2 * stride + L);
        a3.intoArray(o, oOff + 3 * stride); b3.intoArray(o, oOff + 3 * stride + L);
        a4.intoArray(o, oOff + 4 * stride); b4.intoArray(o, oOff + 4 * stride + L);
        a5.intoArray(o, oOff + 5 * stride); b5.intoArray(o, oOff + 5 * stride + L);
    }
}
