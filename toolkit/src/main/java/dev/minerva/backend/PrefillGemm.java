package dev.minerva.backend;

import dev.minerva.tensor.Tensor;
import dev.minerva.tensor.TensorCodec;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Matmul for many input rows (prefill), any weight dtype: {@code out (T, n) = x (T, d) . w (n, d)^T}
 * for output rows {@code [r0, r1)}. Weights are decoded to floats a panel of {@code P = 2 x lanes}
 * output rows at a time and stored transposed, {@code panel[i * P + j] = w[r + j][k0 + i]}, so the
 * inner loop is an outer product: per input index, two panel vectors times six broadcast activations
 * into twelve accumulators that each hold P/2 outputs of one token. No horizontal reductions, results
 * are stored as whole vectors. The input indices are cut into slices of {@link #KC}: a slice of the
 * panel (P x KC floats, 24 KB with 8 lanes) stays in L1 while every token passes it. Each slice adds
 * to the panel's sums, kept contiguous (T x P floats) and copied to {@code out} once at the end: the
 * same summation order as one long loop, so results are bit-identical to the unsliced kernel.
 * Decoding and transposing cost O(n d) once per call against the O(T n d) multiply-adds, which is why
 * calls with few tokens stay on the decode kernels ({@code CpuBackend.gemmRows}).
 *
 * <p>Split across two threads three ways (5632 x 2048, T=128, four weight copies cycled, 30-40 interleaved rounds per
 * JVM; Q8_0 in four JVMs, F32 in one): the worker pool's chunks as {@code CpuBackend} asks for them, static halves on two plain
 * threads, and 8-panel chunks. All three ran at 101-135 GFLOP/s best and 82-93 mean, with no order between them;
 * one thread ran at 66-76 best and 49-55 mean. The mean is some 70 % of the best whatever the split: this VM's
 * run-to-run variation, not the pool, is what separates in-model prefill (about 97 GFLOP/s for TinyLlama Q8_0) from
 * the best standalone runs.
 *
 * <p>Tried and measured slower on a 2-core Zen 3 (AVX2), 2048 x 768 and 768 x 2048, 128 tokens:
 * <ul>
 * <li>activations packed six tokens interleaved (one index for the six broadcasts): C2 then loads all
 *     six broadcasts up front, runs out of vector registers and spills two accumulators (2x slower);</li>
 * <li>the inner loop unrolled by two: C2 interleaves both halves' panel loads and spills four accumulators;</li>
 * <li>transposing with an 8-lane gather per panel vector: 1.5-2x slower than the scalar transpose;</li>
 * <li>transposing 8 x 8 blocks with two-vector rearranges: C2 emits 48 vpermps and 24 blends per block
 *     and reloads the shuffles from the stack, 0.37 ns per float against the scalar loop's 0.33;</li>
 * <li>transposing two rows at once as 64-bit words through heap memory segments (0.48 ns per float
 *     against 0.38 in that run), or from {@code i}'s side (16 strided loads, contiguous stores; 0.53);</li>
 * <li>decoding each row slice just before transposing it (16 decode calls per slice instead of one per
 *     panel): 0-15 % slower at 128 tokens, up to 30 % at 16;</li>
 * <li>slices of 192, 256 or 512 indices: within noise of 384 (256 against 384, same JVM: -3 to +2 %);</li>
 * <li>summing each slice straight into {@code out} (rows n floats apart) instead of the contiguous
 *     sums: even at 128 tokens, 2-9 % slower at 512 for Q8_0;</li>
 * <li>a 4-token tile for the last tokens (128 = 20 x 6 + 2 x 4 instead of 21 x 6 + a padded 6):
 *     -11 to +1 % at 128 tokens, within noise elsewhere;</li>
 * <li>each 6-token tile of x packed per slice at the constant stride {@code KC}, so that the six broadcasts share
 *     one index register and need no address arithmetic: C2 again hoists all six broadcasts, spills two
 *     accumulators and reloads them every iteration (37 against 74 GFLOP/s, one thread, Q8_0 5632 x 2048, T=128);</li>
 * <li>two or four panels per pass over each x slice (slices of 192 or 96 indices, so the panels still fit L1), to
 *     read x from L2/L3 half or a quarter as often: 0.8-0.9x (two threads, weights from DRAM, interleaved);</li>
 * <li>a 2-token x 48-row tile (six panel vectors, two broadcasts; 30 instructions per 12 FMAs and no spills, from
 *     the machine code): best 48-60 against this kernel's 63-65 GFLOP/s, one thread, F32 5664 x 2048, T=128;</li>
 * <li>the panel shifted by 0, 2, 4 or 6 floats, to change which of its 32-byte loads split a cache line: no
 *     difference above the noise;</li>
 * <li>vectorising over tokens instead, to drop the transposes: x transposed once per call into 16-token blocks
 *     ({@code [block][k][16]}), six weight rows decoded row-major per slice and broadcast, the same six-by-two tile
 *     with the roles swapped (bit-identical results). Without transposes it was no faster: 0.92-1.0x with 384-index
 *     slices, 0.96-1.09x unsliced (Q8_0 2048 x 2048, 5632 x 2048, 2048 x 5632 and F32 2048 x 2048, T=128, one and two
 *     threads): each iteration now streams 64 bytes of x from L2 instead of 24 bytes of broadcasts. Turned round so that a
 *     16-token block of x stays in L1 and the weights stream (each slice of the chunk's rows decoded row-major once,
 *     every token block passing it): 0.68-0.85x on one thread, 0.78-1.02x on two, with 256- or 384-index slices. Where one thread's
 *     time goes here (Q8_0 2048 x 2048, T=128, 16.3 ms): the transposes 2.2 ms, decoding 0.7 ms, the padded last
 *     tile 0.5 ms, the full tiles about 12 ms, i.e. about 90 GFLOP/s while they run.</li>
 * </ul>
 * Against the FMA peak ({@code FmaThroughput}: 98-100 GFLOP/s a core on that Zen 3, as a C loop of the same
 * FMAs): one thread runs this kernel at 66-73 GFLOP/s, about 70 %. The same algorithm in C
 * ({@code toolkit/src/bench/c/gemmtile.c}, same panels, slices and tile; F32 5632 x 2048, T=126, alternating with
 * ours in the same minutes) runs at 60-68 on one thread and 125-132 on two, where ours runs at 103-114: so on one
 * thread the algorithm, not C2, holds it at 70 %, and only the second thread loses more in Java (finer,
 * panel-aligned chunks changed nothing). The tile alone, on one L1-resident panel slice, runs at 80-99 GFLOP/s in C
 * and 43-72 in Java (timed through reflection, a lower bound): C2's inner loop issues 33 instructions for its
 * 12 FMAs (a {@code lea} for each broadcast's address, a reload of the panel base from the stack, the index
 * arithmetic), where the FMAs alone take 6 cycles; in the whole GEMM the transposes and the re-reads of x cost C as
 * much. A first BLIS-like order in C (each x slice
 * packed once, six tokens interleaved, and kept in L2 while every panel passes; the sums added straight into the
 * output) was slower still: 51-53 against 61 GFLOP/s on one thread, 88-103 against 117 on two.
 * At 128 tokens the scalar transpose (about one cycle per weight) is still some 10 % of the time and
 * decoding 3-8 %; removing the transpose needs a kernel that vectorises over tokens instead (activations
 * transposed once per matmul, weights broadcast from their rows).
 */
final class PrefillGemm {
    private PrefillGemm() {}

    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    private static final int L = FS.length();
    /** Output rows per panel. */
    static final int P = 2 * L;
    /** Tokens per register tile: 6 x 2 accumulators + 2 panel vectors + 2 broadcasts fit 16 vector registers. */
    static final int TT = 6;
    /** Input indices per panel slice. */
    static final int KC = 384;

    /** Per-thread scratch (decoded rows, panel slice, the panel's sums for every token, zero-padded last tokens), grown as needed. */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[][]{new float[0], new float[P * KC], new float[0], new float[0]});

    static void rows(float[] out, float[] x, Tensor w, int T, int n, int d, int r0, int r1) {
        float[][] scratch = SCRATCH.get();
        int full = T / TT, tiles = (T + TT - 1) / TT;
        if (scratch[0].length < P * d) { scratch[0] = new float[P * d]; scratch[3] = new float[TT * d]; }
        if (scratch[2].length < tiles * TT * P) scratch[2] = new float[tiles * TT * P];
        float[] rowBuf = scratch[0], panel = scratch[1], acc = scratch[2], tail = scratch[3];
        // the last T % 6 tokens, zero-padded to a full tile: a 6-token tile on zeros costs less than
        // a one-token loop, whose two accumulators wait on FMA latency
        if (full < tiles) {
            System.arraycopy(x, full * TT * d, tail, 0, (T - full * TT) * d);
            java.util.Arrays.fill(tail, (T - full * TT) * d, TT * d, 0f);
        }
        for (int r = r0; r < r1; r += P) {
            int rows = Math.min(P, r1 - r);
            TensorCodec.decode(w, (long) r * d, rows * d, rowBuf, 0);
            if (rows < P) java.util.Arrays.fill(rowBuf, rows * d, P * d, 0f);
            // the panel's sums for every token, contiguous (tiles x 6 x P): they stay in cache from
            // one slice to the next, where rows of out are n floats apart
            java.util.Arrays.fill(acc, 0, tiles * TT * P, 0f);
            for (int k0 = 0; k0 < d; k0 += KC) {
                int kc = Math.min(KC, d - k0);
                // row by row: each row slice is read in order, and the panel slice (P x kc) is in L1
                for (int j = 0; j < P; j++) {
                    for (int i = 0, src = j * d + k0, dst = j; i < kc; i++, dst += P) panel[dst] = rowBuf[src + i];
                }
                for (int q = 0; q < full; q++) tile6(panel, kc, x, q * TT * d + k0, d, acc, q * TT * P, P);
                if (full < tiles) tile6(panel, kc, tail, k0, d, acc, full * TT * P, P);
            }
            if (rows == P) {
                for (int t = 0; t < T; t++) {
                    FloatVector.fromArray(FS, acc, t * P).intoArray(out, t * n + r);
                    FloatVector.fromArray(FS, acc, t * P + L).intoArray(out, t * n + r + L);
                }
            } else {
                for (int t = 0; t < T; t++) System.arraycopy(acc, t * P, out, t * n + r, rows);
            }
        }
    }

    /**
     * Six tokens (rows of {@code x} {@code d} apart from {@code x0}) against {@code kc} indices of one
     * panel slice; token k's P sums are added to {@code o[oOff + k * stride ..]}.
     */
    private static void tile6(float[] panel, int kc, float[] x, int x0, int d, float[] o, int oOff, int stride) {
        FloatVector a0 = FloatVector.fromArray(FS, o, oOff), b0 = FloatVector.fromArray(FS, o, oOff + L);
        FloatVector a1 = FloatVector.fromArray(FS, o, oOff + stride), b1 = FloatVector.fromArray(FS, o, oOff + stride + L);
        FloatVector a2 = FloatVector.fromArray(FS, o, oOff + 2 * stride), b2 = FloatVector.fromArray(FS, o, oOff + 2 * stride + L);
        FloatVector a3 = FloatVector.fromArray(FS, o, oOff + 3 * stride), b3 = FloatVector.fromArray(FS, o, oOff + 3 * stride + L);
        FloatVector a4 = FloatVector.fromArray(FS, o, oOff + 4 * stride), b4 = FloatVector.fromArray(FS, o, oOff + 4 * stride + L);
        FloatVector a5 = FloatVector.fromArray(FS, o, oOff + 5 * stride), b5 = FloatVector.fromArray(FS, o, oOff + 5 * stride + L);
        int x1 = x0 + d, x2 = x1 + d, x3 = x2 + d, x4 = x3 + d, x5 = x4 + d;
        for (int i = 0; i < kc; i++) {
            int p = i * P;
            FloatVector u = FloatVector.fromArray(FS, panel, p), v = FloatVector.fromArray(FS, panel, p + L);
            FloatVector c = FloatVector.broadcast(FS, x[x0 + i]);
            a0 = u.fma(c, a0); b0 = v.fma(c, b0);
            c = FloatVector.broadcast(FS, x[x1 + i]);
            a1 = u.fma(c, a1); b1 = v.fma(c, b1);
            c = FloatVector.broadcast(FS, x[x2 + i]);
            a2 = u.fma(c, a2); b2 = v.fma(c, b2);
            c = FloatVector.broadcast(FS, x[x3 + i]);
            a3 = u.fma(c, a3); b3 = v.fma(c, b3);
            c = FloatVector.broadcast(FS, x[x4 + i]);
            a4 = u.fma(c, a4); b4 = v.fma(c, b4);
            c = FloatVector.broadcast(FS, x[x5 + i]);
            a5 = u.fma(c, a5); b5 = v.fma(c, b5);
        }
        a0.intoArray(o, oOff); b0.intoArray(o, oOff + L);
        a1.intoArray(o, oOff + stride); b1.intoArray(o, oOff + stride + L);
        a2.intoArray(o, oOff + 2 * stride); b2.intoArray(o, oOff + 2 * stride + L);
        a3.intoArray(o, oOff + 3 * stride); b3.intoArray(o, oOff + 3 * stride + L);
        a4.intoArray(o, oOff + 4 * stride); b4.intoArray(o, oOff + 4 * stride + L);
        a5.intoArray(o, oOff + 5 * stride); b5.intoArray(o, oOff + 5 * stride + L);
    }
}
