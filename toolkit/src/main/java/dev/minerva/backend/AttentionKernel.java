package dev.minerva.backend;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Attention of one query head over one kv head of a dense cache ({@code (capacity, kvDim)} rows),
 * in three vector passes: scores four keys at a time (one query load feeds four FMAs), a vector
 * {@code exp} over the scores, then the weighted sum of values with the output head held in
 * registers, four vectors wide, instead of read and written back once per cache slot.
 */
final class AttentionKernel {
    private AttentionKernel() {}

    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    private static final int L = FS.length();

    /**
     * {@code out[oOff..oOff+hs) = softmax(scale * q·k_t) · v_t} over slots {@code t < limit}; slots whose
     * {@code att} entry the caller pre-set to -inf (masked) get weight 0 when {@code masked} is true.
     *
     * @param att scratch of at least {@code limit} floats
     */
    static void head(float[] out, int oOff, float[] q, int qOff, float[] k, float[] v, int kvOff, int kvDim,
                     int hs, int limit, float scale, float[] att, boolean masked) {
        scores(q, qOff, k, kvOff, kvDim, hs, limit, scale, att, masked);
        float max = Float.NEGATIVE_INFINITY;
        for (int t = 0; t < limit; t++) max = Math.max(max, att[t]);
        float sum = expShift(att, limit, max);
        weightedSum(out, oOff, att, v, kvOff, kvDim, hs, limit, 1f / sum);
    }

    /** {@code att[t] = scale * q·k_t}, keeping entries already at -inf when {@code masked}. */
    private static void scores(float[] q, int qOff, float[] k, int kvOff, int kvDim, int hs, int limit, float scale,
                               float[] att, boolean masked) {
        int bound = FS.loopBound(hs), t = 0;
        for (; t + 4 <= limit; t += 4) {
            int k0 = t * kvDim + kvOff, k1 = k0 + kvDim, k2 = k1 + kvDim, k3 = k2 + kvDim;
            FloatVector a0 = FloatVector.zero(FS), a1 = a0, a2 = a0, a3 = a0;
            int i = 0;
            for (; i < bound; i += L) {
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
            put(att, t, s0 * scale, masked); put(att, t + 1, s1 * scale, masked);
            put(att, t + 2, s2 * scale, masked); put(att, t + 3, s3 * scale, masked);
        }
        for (; t < limit; t++) put(att, t, VectorMath.dot(q, qOff, k, t * kvDim + kvOff, hs) * scale, masked);
    }

    private static void put(float[] att, int t, float s, boolean masked) {
        if (!masked || att[t] != Float.NEGATIVE_INFINITY) att[t] = s;
    }

    /** {@code att[t] = exp(att[t] - max)} in place; returns their sum. */
    private static float expShift(float[] att, int limit, float max) {
        FloatVector sum = FloatVector.zero(FS);
        int t = 0;
        for (int bound = FS.loopBound(limit); t < bound; t += L) {
            FloatVector e = FloatVector.fromArray(FS, att, t).sub(max).lanewise(VectorOperators.EXP);
            e.intoArray(att, t);
            sum = sum.add(e);
        }
        float s = sum.reduceLanes(VectorOperators.ADD);
        for (; t < limit; t++) {
            float e = (float) Math.exp(att[t] - max);
            att[t] = e;
            s += e;
        }
        return s;
    }

    /** {@code out[i] = inv * sum_t att[t] * v_t[i]}, four output vectors per pass over the slots. */
    private static void weightedSum(float[] out, int oOff, float[] att, float[] v, int kvOff, int kvDim, int hs, int limit, float inv) {
        int i = 0;
        for (; i + 4 * L <= hs; i += 4 * L) {
            FloatVector a0 = FloatVector.zero(FS), a1 = a0, a2 = a0, a3 = a0;
            for (int t = 0; t < limit; t++) {
                FloatVector p = FloatVector.broadcast(FS, att[t]);
                int o = t * kvDim + kvOff + i;
                a0 = FloatVector.fromArray(FS, v, o).fma(p, a0);
                a1 = FloatVector.fromArray(FS, v, o + L).fma(p, a1);
                a2 = FloatVector.fromArray(FS, v, o + 2 * L).fma(p, a2);
                a3 = FloatVector.fromArray(FS, v, o + 3 * L).fma(p, a3);
            }
            a0.mul(inv).intoArray(out, oOff + i);
            a1.mul(inv).intoArray(out, oOff + i + L);
            a2.mul(inv).intoArray(out, oOff + i + 2 * L);
            a3.mul(inv).intoArray(out, oOff + i + 3 * L);
        }
        for (; i + L <= hs; i += L) {
            FloatVector a = FloatVector.zero(FS);
            for (int t = 0; t < limit; t++) a = FloatVector.fromArray(FS, v, t * kvDim + kvOff + i).fma(FloatVector.broadcast(FS, att[t]), a);
            a.mul(inv).intoArray(out, oOff + i);
        }
        for (; i < hs; i++) {
            float a = 0;
            for (int t = 0; t < limit; t++) a += att[t] * v[t * kvDim + kvOff + i];
            out[oOff + i] = a * inv;
        }
    }
}
