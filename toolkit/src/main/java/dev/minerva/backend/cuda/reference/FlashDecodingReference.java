package dev.minerva.backend.cuda.reference;

/**
 * The split-KV ("flash-decoding") attention of {@code attention.cu} in plain Java, step for step, so
 * the algorithm (splits, per-group online softmax, the merges of partial results) is verified against
 * naive softmax attention on any machine. One query head, one sequence.
 *
 * <p>For each split s of {@code chunk} keys: key groups g = 0..nGroups-1 take keys
 * {@code start + g, start + g + nGroups, ...} and keep a running (m, l, o); groups are merged, giving the
 * split's partial (m_s, l_s, o_s); finally
 * {@code out = sum_s e^(m_s-M) o_s / sum_s e^(m_s-M) l_s} with {@code M = max_s m_s}.
 */
public final class FlashDecodingReference {
    private FlashDecodingReference() {}

    /** A running softmax-weighted sum: max score m, sum of weights l, unnormalised output o. */
    static final class Partial {
        float m = Float.NEGATIVE_INFINITY;
        float l = 0f;
        final float[] o;

        Partial(int headDim) { o = new float[headDim]; }

        void add(float s, float[] v) {
            float mNew = Math.max(m, s);
            float corr = expDiff(m, mNew), p = (float) Math.exp(s - mNew);
            l = l * corr + p;
            for (int d = 0; d < o.length; d++) o[d] = o[d] * corr + p * v[d];
            m = mNew;
        }

        void merge(Partial other) {
            float mm = Math.max(m, other.m);
            float a = expDiff(m, mm), c = expDiff(other.m, mm);
            l = l * a + other.l * c;
            for (int d = 0; d < o.length; d++) o[d] = o[d] * a + other.o[d] * c;
            m = mm;
        }
    }

    /** e^(a-b), 0 when a is -inf (an empty partial contributes nothing, never NaN). */
    static float expDiff(float a, float b) {
        return a == Float.NEGATIVE_INFINITY ? 0f : (float) Math.exp(a - b);
    }

    /**
     * Attention output for one query.
     *
     * @param q       (headDim)
     * @param keys    (len, headDim)
     * @param values  (len, headDim)
     * @param scale   score scale (1/sqrt(headDim))
     * @param chunk   keys per split
     * @param nGroups key groups per split (4 warps x 32/(headDim/4) groups in the kernel)
     * @return (headDim)
     */
    public static float[] attend(float[] q, float[][] keys, float[][] values, float scale, int chunk, int nGroups) {
        int len = keys.length, hd = q.length;
        int splits = (len + chunk - 1) / chunk;
        Partial[] parts = new Partial[splits];
        for (int s = 0; s < splits; s++) {
            int k0 = s * chunk, k1 = Math.min(len, k0 + chunk);
            Partial[] groups = new Partial[nGroups];
            for (int g = 0; g < nGroups; g++) {
                groups[g] = new Partial(hd);
                for (int j = k0 + g; j < k1; j += nGroups) {
                    float sc = 0f;
                    for (int d = 0; d < hd; d++) sc += q[d] * keys[j][d];
                    groups[g].add(sc * scale, values[j]);
                }
            }
            for (int g = 1; g < nGroups; g++) groups[0].merge(groups[g]);
            parts[s] = groups[0];
        }
        // final merge, as attn_decode_merge_f32 does it
        float mMax = Float.NEGATIVE_INFINITY;
        for (Partial p : parts) mMax = Math.max(mMax, p.m);
        float[] out = new float[hd];
        float den = 0f;
        for (Partial p : parts) den += expDiff(p.m, mMax) * p.l;
        for (int d = 0; d < hd; d++) {
            float num = 0f;
            for (Partial p : parts) num += expDiff(p.m, mMax) * p.o[d];
            out[d] = num / den;
        }
        return out;
    }

    /** Key groups per block the kernel uses for {@code headDim} (4 warps x 32 / (headDim/4)). */
    public static int kernelGroups(int headDim) { return 4 * (32 / (headDim / 4)); }
}
