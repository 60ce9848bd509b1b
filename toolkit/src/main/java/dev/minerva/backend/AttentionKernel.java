package dev.minerva.backend;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Attention of a group of query heads of one query row over a dense cache ({@code (capacity, kvDim)}
 * rows), in three vector passes: scores four keys at a time (one query load feeds four FMAs), a vector
 * {@code exp} over the scores, then the weighted sum of values, the output head held in registers
 * (four vectors wide) across a block of {@value #SLOT_BLOCK} slots. Cache slots are the outer loop and
 * the group's heads the inner one, so each cache row is read as one contiguous stretch, and with
 * grouped-query attention a kv head's slice serves its query heads from L1. It serves decode and other
 * calls with few query rows; calls that fill enough lanes of a block go to {@link FlashAttention}
 * ({@link FlashAttention#prefers}). A row whose mask hides every slot gets zeros.
 */
final class AttentionKernel {
    private AttentionKernel() {}

    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    private static final int L = FS.length();

    /** Slots per block of the weighted sum: the group's value slices of a block stay in L1 across heads. */
    private static final int SLOT_BLOCK = 16;

    /**
     * Attention of query rows {@code [rowStart, rowStart + rows)} of {@code q} ({@code (T, nHeads * hs)})
     * over the first {@code kvLength} rows of {@code k}, {@code v} ({@code (capacity, nKvHeads * hs)}) into
     * the same rows of {@code out}, one query row at a time, in parallel over (row, head group).
     */
    static void run(WorkerPool pool, float[] o, float[] qa, int rowStart, int rows, float[] k, float[] v, int kvLength,
                    AttentionMask mask, int nHeads, int nKvHeads, int headSize) {
        int dim = nHeads * headSize, kvDim = nKvHeads * headSize, kvMul = nHeads / nKvHeads;
        float scale = (float) (1.0 / Math.sqrt(headSize));
        boolean causal = mask.isCausal();
        // chunks of whole head groups: at least a thread's share of one row's heads, so each reads long
        // contiguous stretches of the cache rows (and, with GQA, shares kv slices among its query heads)
        int grain = Math.max((nHeads + pool.threads() - 1) / pool.threads(), (1 << 15) / Math.max(1, kvLength * headSize));
        pool.forRange(rows * nHeads, grain, (start, end) -> {
            float[] att = scores(nHeads * kvLength);
            for (int task = start; task < end; ) {
                int r = task / nHeads, h0 = task % nHeads, h1 = Math.min(nHeads, h0 + (end - task));
                int qOff = (rowStart + r) * dim;
                int limit = causal ? kvLength - rows + r + 1 : kvLength;
                if (!causal) {
                    // masked slots are marked -inf before scoring; the kernel leaves them there (weight 0)
                    for (int t = 0; t < limit; t++) {
                        float m = mask.visible(r, rows, t, kvLength) ? 0f : Float.NEGATIVE_INFINITY;
                        for (int h = 0; h < h1 - h0; h++) att[h * limit + t] = m;
                    }
                }
                heads(o, qOff, qa, qOff, k, v, kvDim, headSize, h0, h1, kvMul, limit, scale, att, !causal);
                task += h1 - h0;
            }
        });
    }

    /** Per-thread score scratch, grown as needed: decode calls this for every layer and token, and a fresh array per call was most of a decode step's garbage. */
    private static final ThreadLocal<float[][]> SCORES = ThreadLocal.withInitial(() -> new float[][]{new float[0]});

    private static float[] scores(int n) {
        float[][] holder = SCORES.get();
        if (holder[0].length < n) holder[0] = new float[Math.max(n, holder[0].length * 2)];
        return holder[0];
    }

    /**
     * Heads {@code [h0, h1)} of one query row: {@code out[oOff + h * hs ..]} for each. {@code att} holds
     * {@code (h1 - h0) * limit} scores; with {@code masked}, the caller pre-set each head's masked slots to -inf.
     *
     * @param kvOf kv head of query head h is {@code h / kvOf}
     */
    static void heads(float[] out, int oOff, float[] q, int qOff, float[] k, float[] v, int kvDim, int hs, int h0, int h1,
                      int kvOf, int limit, float scale, float[] att, boolean masked) {
        int g = h1 - h0;
        // scores, slot-major: for 4 cache rows at a time, every head of the group
        int t = 0;
        for (; t + 4 <= limit; t += 4) {
            for (int h = h0; h < h1; h++) scores4(q, qOff + h * hs, k, t, (h / kvOf) * hs, kvDim, hs, scale, att, (h - h0) * limit, masked);
        }
        for (; t < limit; t++) {
            for (int h = h0; h < h1; h++) {
                int a = (h - h0) * limit + t;
                if (!masked || att[a] != Float.NEGATIVE_INFINITY) att[a] = VectorMath.dot(q, qOff + h * hs, k, t * kvDim + (h / kvOf) * hs, hs) * scale;
            }
        }
        float[] inv = new float[g];
        for (int h = 0; h < g; h++) {
            float max = Float.NEGATIVE_INFINITY;
            for (int s = h * limit, e = s + limit; s < e; s++) max = Math.max(max, att[s]);
            // a fully masked row (every score -inf) gets zeros, not exp(-inf - -inf) = NaN
            float sum = expShift(att, h * limit, limit, max == Float.NEGATIVE_INFINITY ? 0f : max);
            inv[h] = sum > 0 ? 1f / sum : 0f;
            java.util.Arrays.fill(out, oOff + (h0 + h) * hs, oOff + (h0 + h + 1) * hs, 0f);
        }
        // weighted sum, blocks of slots outer: each block's cache rows are read once for all heads
        for (int t0 = 0; t0 < limit; t0 += SLOT_BLOCK) {
            int t1 = Math.min(limit, t0 + SLOT_BLOCK);
            for (int h = h0; h < h1; h++) accumulate(out, oOff + h * hs, att, (h - h0) * limit, v, (h / kvOf) * hs, kvDim, hs, t0, t1);
        }
        for (int h = h0; h < h1; h++) scaleInPlace(out, oOff + h * hs, hs, inv[h - h0]);
    }

    /** Scores of slots {@code t..t+3} for one head into {@code att[aOff + t ..]}. */
    private static void scores4(float[] q, int qOff, float[] k, int t, int kvOff, int kvDim, int hs, float scale,
                                float[] att, int aOff, boolean masked) {
        int k0 = t * kvDim + kvOff, k1 = k0 + kvDim, k2 = k1 + kvDim, k3 = k2 + kvDim;
        FloatVector a0 = FloatVector.zero(FS), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (int bound = FS.loopBound(hs); i < bound; i += L) {
            FloatVector qv = FloatVector.fromArray(FS, q, qOff + i);
            a0 = FloatVector.fromArray(FS, k, k0 + i).fma(qv, a0);
            a1 = FloatVector.fromArray(FS, k, k1 + i).fma(qv, a1);
            a2 = FloatVector.fromArray(FS, k, k2 + i).fma(qv, a2);
            a3 = FloatVector.fromArray(FS, k, k3 + i).fma(qv, a3);
        }
        float s0 = a0.reduceLanes(VectorOperators.ADD), s1 = a1.reduceLanes(VectorOperators.ADD);
        float s2 = a2.reduceLanes(VectorOperators.ADD), s3 = a3.reduceLanes(VectorOperators.ADD);
        for (; i < hs; i++) {
            float qi = q[qOff + i];
            s0 += qi * k[k0 + i]; s1 += qi * k[k1 + i]; s2 += qi * k[k2 + i]; s3 += qi * k[k3 + i];
        }
        int a = aOff + t;
        put(att, a, s0 * scale, masked); put(att, a + 1, s1 * scale, masked);
        put(att, a + 2, s2 * scale, masked); put(att, a + 3, s3 * scale, masked);
    }

    /** {@code out[oOff..oOff+hs) += sum_{t0 <= t < t1} att[aOff + t] * v_t}. */
    private static void accumulate(float[] out, int oOff, float[] att, int aOff, float[] v, int kvOff, int kvDim, int hs, int t0, int t1) {
        int i = 0;
        for (; i + 4 * L <= hs; i += 4 * L) {
            FloatVector a0 = FloatVector.fromArray(FS, out, oOff + i), a1 = FloatVector.fromArray(FS, out, oOff + i + L);
            FloatVector a2 = FloatVector.fromArray(FS, out, oOff + i + 2 * L), a3 = FloatVector.fromArray(FS, out, oOff + i + 3 * L);
            for (int t = t0; t < t1; t++) {
                FloatVector p = FloatVector.broadcast(FS, att[aOff + t]);
                int o = t * kvDim + kvOff + i;
                a0 = FloatVector.fromArray(FS, v, o).fma(p, a0);
                a1 = FloatVector.fromArray(FS, v, o + L).fma(p, a1);
                a2 = FloatVector.fromArray(FS, v, o + 2 * L).fma(p, a2);
                a3 = FloatVector.fromArray(FS, v, o + 3 * L).fma(p, a3);
            }
            a0.intoArray(out, oOff + i);
            a1.intoArray(out, oOff + i + L);
            a2.intoArray(out, oOff + i + 2 * L);
            a3.intoArray(out, oOff + i + 3 * L);
        }
        for (; i + L <= hs; i += L) {
            FloatVector a = FloatVector.fromArray(FS, out, oOff + i);
            for (int t = t0; t < t1; t++) a = FloatVector.fromArray(FS, v, t * kvDim + kvOff + i).fma(FloatVector.broadcast(FS, att[aOff + t]), a);
            a.intoArray(out, oOff + i);
        }
        for (; i < hs; i++) {
            float a = out[oOff + i];
            for (int t = t0; t < t1; t++) a += att[aOff + t] * v[t * kvDim + kvOff + i];
            out[oOff + i] = a;
        }
    }

    private static void scaleInPlace(float[] x, int off, int n, float s) {
        int i = 0;
        for (int bound = FS.loopBound(n); i < bound; i += L) FloatVector.fromArray(FS, x, off + i).mul(s).intoArray(x, off + i);
        for (; i < n; i++) x[off + i] *= s;
    }

    private static void put(float[] att, int t, float s, boolean masked) {
        if (!masked || att[t] != Float.NEGATIVE_INFINITY) att[t] = s;
    }

    /** {@code att[off + t] = exp(att[off + t] - max)} in place for {@code t < limit}; returns their sum. */
    private static float expShift(float[] att, int off, int limit, float max) {
        FloatVector sum = FloatVector.zero(FS);
        int t = 0;
        for (int bound = FS.loopBound(limit); t < bound; t += L) {
            FloatVector e = FloatVector.fromArray(FS, att, off + t).sub(max).lanewise(VectorOperators.EXP);
            e.intoArray(att, off + t);
            sum = sum.add(e);
        }
        float s = sum.reduceLanes(VectorOperators.ADD);
        for (; t < limit; t++) {
            float e = (float) Math.exp(att[off + t] - max);
            att[off + t] = e;
            s += e;
        }
        return s;
    }
}
