package dev.minerva.backend;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Small Vector-API loops over float arrays shared by the CPU kernels (width = preferred species, scalar tails). */
final class VectorMath {
    private VectorMath() {}

    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;

    static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        int i = 0;
        float sum = 0;
        if (n >= FS.length()) {
            FloatVector acc = FloatVector.zero(FS);
            for (int bound = FS.loopBound(n); i < bound; i += FS.length()) {
                acc = FloatVector.fromArray(FS, a, aOff + i).fma(FloatVector.fromArray(FS, b, bOff + i), acc);
            }
            sum = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) sum += a[aOff + i] * b[bOff + i];
        return sum;
    }

    static float sumOfSquares(float[] a, int off, int n) {
        int i = 0;
        FloatVector acc = FloatVector.zero(FS);
        for (int bound = FS.loopBound(n); i < bound; i += FS.length()) {
            FloatVector v = FloatVector.fromArray(FS, a, off + i);
            acc = v.fma(v, acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) sum += a[off + i] * a[off + i];
        return sum;
    }

    /** {@code out[oOff+i] = w[i] * (scale * x[xOff+i])}. */
    static void scaleMul(float[] out, int oOff, float[] x, int xOff, float[] w, float scale, int n) {
        int i = 0;
        for (int bound = FS.loopBound(n); i < bound; i += FS.length()) {
            FloatVector.fromArray(FS, x, xOff + i).mul(scale).mul(FloatVector.fromArray(FS, w, i)).intoArray(out, oOff + i);
        }
        for (; i < n; i++) out[oOff + i] = w[i] * (scale * x[xOff + i]);
    }

    static void addInPlace(float[] x, float[] y, int n) {
        int i = 0;
        for (int bound = FS.loopBound(n); i < bound; i += FS.length()) {
            FloatVector.fromArray(FS, x, i).add(FloatVector.fromArray(FS, y, i)).intoArray(x, i);
        }
        for (; i < n; i++) x[i] += y[i];
    }

    /** {@code g[i] = silu(g[i]) * u[i]} for i in [start, end). */
    static void siluMul(float[] g, float[] u, int start, int end) {
        int i = start;
        for (int bound = start + FS.loopBound(end - start); i < bound; i += FS.length()) {
            FloatVector v = FloatVector.fromArray(FS, g, i);
            FloatVector sig = v.neg().lanewise(VectorOperators.EXP).add(1f);
            v.div(sig).mul(FloatVector.fromArray(FS, u, i)).intoArray(g, i);
        }
        for (; i < end; i++) {
            float v = g[i];
            g[i] = v / (1f + (float) Math.exp(-v)) * u[i];
        }
    }
}
