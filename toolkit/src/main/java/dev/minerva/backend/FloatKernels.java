package dev.minerva.backend;

import dev.minerva.tensor.DType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Matmul kernels for float weights. Rows {@code [r0, r1)} of {@code w} (n, d) against every token of
 * {@code x} (T, d) into {@code out} (T, n). Each weight row is read from memory once and reused for
 * all T tokens from L1; prefill uses a 2-row x 4-token register tile (8 accumulators, 6 loads per 8 FMAs).
 */
final class FloatKernels {
    private FloatKernels() {}

    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    static void matmulF32(float[] out, float[] x, MemorySegment w, int T, int n, int d, int r0, int r1) {
        if (T < 4) {
            matmulF32Decode(out, x, w, T, n, d, r0, r1);
            return;
        }
        int r = r0;
        for (; r + 2 <= r1; r += 2) tile2x4(out, x, w, (long) r * d * Float.BYTES, T, n, d, r);
        for (; r < r1; r++) tile1x4(out, x, w, (long) r * d * Float.BYTES, T, n, d, r);
    }

    /**
     * Prefill with block-quantised weights: each pair of weight rows is dequantised once into a float
     * buffer and run through the same register tile against the (already dequantised Q8_0) activations,
     * so prefill is FMA-bound like F32 instead of paying the int8 widening per token.
     */
    static void matmulDequantRows(float[] out, float[] xd, dev.minerva.tensor.Tensor w, int T, int n, int d, int r0, int r1) {
        float[] buf = new float[2 * d];
        MemorySegment seg = MemorySegment.ofArray(buf);
        int r = r0;
        for (; r + 2 <= r1; r += 2) {
            dev.minerva.tensor.TensorCodec.decode(w, (long) r * d, 2 * d, buf, 0);
            tile2x4(out, xd, seg, 0, T, n, d, r);
        }
        for (; r < r1; r++) {
            dev.minerva.tensor.TensorCodec.decode(w, (long) r * d, d, buf, 0);
            tile1x4(out, xd, seg, 0, T, n, d, r);
        }
    }

    /** Two weight rows against every token, four tokens at a time: 8 accumulators, 6 loads per 8 FMAs. */
    private static void tile2x4(float[] out, float[] x, MemorySegment w, long w0, int T, int n, int d, int r) {
        int L = FS.length(), bound = FS.loopBound(d);
        long w1 = w0 + (long) d * Float.BYTES;
        int t = 0;
        for (; t + 4 <= T; t += 4) {
            int x0 = t * d, x1 = x0 + d, x2 = x1 + d, x3 = x2 + d;
            FloatVector a0 = FloatVector.zero(FS), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            int i = 0;
            for (; i < bound; i += L) {
                FloatVector u = FloatVector.fromMemorySegment(FS, w, w0 + (long) i * Float.BYTES, LE);
                FloatVector v = FloatVector.fromMemorySegment(FS, w, w1 + (long) i * Float.BYTES, LE);
                FloatVector y0 = FloatVector.fromArray(FS, x, x0 + i), y1 = FloatVector.fromArray(FS, x, x1 + i);
                FloatVector y2 = FloatVector.fromArray(FS, x, x2 + i), y3 = FloatVector.fromArray(FS, x, x3 + i);
                a0 = u.fma(y0, a0); a1 = u.fma(y1, a1); a2 = u.fma(y2, a2); a3 = u.fma(y3, a3);
                b0 = v.fma(y0, b0); b1 = v.fma(y1, b1); b2 = v.fma(y2, b2); b3 = v.fma(y3, b3);
            }
            float s0 = a0.reduceLanes(VectorOperators.ADD), s1 = a1.reduceLanes(VectorOperators.ADD);
            float s2 = a2.reduceLanes(VectorOperators.ADD), s3 = a3.reduceLanes(VectorOperators.ADD);
            float q0 = b0.reduceLanes(VectorOperators.ADD), q1 = b1.reduceLanes(VectorOperators.ADD);
            float q2 = b2.reduceLanes(VectorOperators.ADD), q3 = b3.reduceLanes(VectorOperators.ADD);
            for (; i < d; i++) {
                float ui = w.get(ValueLayout.JAVA_FLOAT_UNALIGNED, w0 + (long) i * Float.BYTES);
                float vi = w.get(ValueLayout.JAVA_FLOAT_UNALIGNED, w1 + (long) i * Float.BYTES);
                s0 += ui * x[x0 + i]; s1 += ui * x[x1 + i]; s2 += ui * x[x2 + i]; s3 += ui * x[x3 + i];
                q0 += vi * x[x0 + i]; q1 += vi * x[x1 + i]; q2 += vi * x[x2 + i]; q3 += vi * x[x3 + i];
            }
            out[t * n + r] = s0; out[(t + 1) * n + r] = s1; out[(t + 2) * n + r] = s2; out[(t + 3) * n + r] = s3;
            out[t * n + r + 1] = q0; out[(t + 1) * n + r + 1] = q1; out[(t + 2) * n + r + 1] = q2; out[(t + 3) * n + r + 1] = q3;
        }
        for (; t < T; t++) {
            out[t * n + r] = dotF32(w, w0, x, t * d, d);
            out[t * n + r + 1] = dotF32(w, w1, x, t * d, d);
        }
    }

    private static void tile1x4(float[] out, float[] x, MemorySegment w, long wOff, int T, int n, int d, int r) {
        int L = FS.length(), bound = FS.loopBound(d);
        int t = 0;
        for (; t + 4 <= T; t += 4) {
            int x0 = t * d, x1 = x0 + d, x2 = x1 + d, x3 = x2 + d;
            FloatVector a0 = FloatVector.zero(FS), a1 = a0, a2 = a0, a3 = a0;
            int i = 0;
            for (; i < bound; i += L) {
                FloatVector wv = FloatVector.fromMemorySegment(FS, w, wOff + (long) i * Float.BYTES, LE);
                a0 = wv.fma(FloatVector.fromArray(FS, x, x0 + i), a0);
                a1 = wv.fma(FloatVector.fromArray(FS, x, x1 + i), a1);
                a2 = wv.fma(FloatVector.fromArray(FS, x, x2 + i), a2);
                a3 = wv.fma(FloatVector.fromArray(FS, x, x3 + i), a3);
            }
            float s0 = a0.reduceLanes(VectorOperators.ADD), s1 = a1.reduceLanes(VectorOperators.ADD);
            float s2 = a2.reduceLanes(VectorOperators.ADD), s3 = a3.reduceLanes(VectorOperators.ADD);
            for (; i < d; i++) {
                float wi = w.get(ValueLayout.JAVA_FLOAT_UNALIGNED, wOff + (long) i * Float.BYTES);
                s0 += wi * x[x0 + i]; s1 += wi * x[x1 + i]; s2 += wi * x[x2 + i]; s3 += wi * x[x3 + i];
            }
            out[t * n + r] = s0; out[(t + 1) * n + r] = s1; out[(t + 2) * n + r] = s2; out[(t + 3) * n + r] = s3;
        }
        for (; t < T; t++) out[t * n + r] = dotF32(w, wOff, x, t * d, d);
    }

    /** Decode (T < 4): four weight rows per pass share each activation load (5 loads per 4 FMAs instead of 8). */
    static void matmulF32Decode(float[] out, float[] x, MemorySegment w, int T, int n, int d, int r0, int r1) {
        long rowBytes = (long) d * Float.BYTES;
        int r = r0;
        for (; r + 4 <= r1; r += 4) {
            for (int t = 0; t < T; t++) dot4F32(w, r * rowBytes, rowBytes, x, t * d, d, out, t * n + r);
        }
        for (; r < r1; r++) {
            for (int t = 0; t < T; t++) out[t * n + r] = dotF32(w, r * rowBytes, x, t * d, d);
        }
    }

    private static void dot4F32(MemorySegment w, long w0, long stride, float[] x, int xOff, int d, float[] out, int o) {
        int L = FS.length(), bound = FS.loopBound(d), i = 0;
        long w1 = w0 + stride, w2 = w1 + stride, w3 = w2 + stride;
        FloatVector a0 = FloatVector.zero(FS), a1 = a0, a2 = a0, a3 = a0;
        for (; i < bound; i += L) {
            FloatVector xv = FloatVector.fromArray(FS, x, xOff + i);
            long b = (long) i * Float.BYTES;
            a0 = FloatVector.fromMemorySegment(FS, w, w0 + b, LE).fma(xv, a0);
            a1 = FloatVector.fromMemorySegment(FS, w, w1 + b, LE).fma(xv, a1);
            a2 = FloatVector.fromMemorySegment(FS, w, w2 + b, LE).fma(xv, a2);
            a3 = FloatVector.fromMemorySegment(FS, w, w3 + b, LE).fma(xv, a3);
        }
        float s0 = a0.reduceLanes(VectorOperators.ADD), s1 = a1.reduceLanes(VectorOperators.ADD);
        float s2 = a2.reduceLanes(VectorOperators.ADD), s3 = a3.reduceLanes(VectorOperators.ADD);
        for (; i < d; i++) {
            float xi = x[xOff + i];
            long b = (long) i * Float.BYTES;
            s0 += w.get(ValueLayout.JAVA_FLOAT_UNALIGNED, w0 + b) * xi;
            s1 += w.get(ValueLayout.JAVA_FLOAT_UNALIGNED, w1 + b) * xi;
            s2 += w.get(ValueLayout.JAVA_FLOAT_UNALIGNED, w2 + b) * xi;
            s3 += w.get(ValueLayout.JAVA_FLOAT_UNALIGNED, w3 + b) * xi;
        }
        out[o] = s0; out[o + 1] = s1; out[o + 2] = s2; out[o + 3] = s3;
    }

    /** One row · one token, two accumulators to hide FMA latency in decode. */
    static float dotF32(MemorySegment w, long wOff, float[] x, int xOff, int d) {
        int L = FS.length(), i = 0;
        FloatVector a0 = FloatVector.zero(FS), a1 = a0;
        for (int bound2 = d - d % (2 * L); i < bound2; i += 2 * L) {
            a0 = FloatVector.fromMemorySegment(FS, w, wOff + (long) i * Float.BYTES, LE).fma(FloatVector.fromArray(FS, x, xOff + i), a0);
            a1 = FloatVector.fromMemorySegment(FS, w, wOff + (long) (i + L) * Float.BYTES, LE).fma(FloatVector.fromArray(FS, x, xOff + i + L), a1);
        }
        for (int bound = FS.loopBound(d); i < bound; i += L) {
            a0 = FloatVector.fromMemorySegment(FS, w, wOff + (long) i * Float.BYTES, LE).fma(FloatVector.fromArray(FS, x, xOff + i), a0);
        }
        float s = a0.add(a1).reduceLanes(VectorOperators.ADD);
        for (; i < d; i++) s += w.get(ValueLayout.JAVA_FLOAT_UNALIGNED, wOff + (long) i * Float.BYTES) * x[xOff + i];
        return s;
    }

    /** F16/BF16 weights: each row is widened to float once, then dotted with every token. */
    static void matmulHalf(float[] out, float[] x, MemorySegment w, DType dtype, int T, int n, int d, int r0, int r1) {
        float[] row = new float[d];
        MemorySegment rowSeg = MemorySegment.ofArray(row);
        boolean bf16 = dtype == DType.BF16;
        for (int r = r0; r < r1; r++) {
            long off = (long) r * d * 2;
            for (int i = 0; i < d; i++) {
                short h = w.get(ValueLayout.JAVA_SHORT_UNALIGNED, off + 2L * i);
                row[i] = bf16 ? Float.intBitsToFloat((h & 0xFFFF) << 16) : Float.float16ToFloat(h);
            }
            for (int t = 0; t < T; t++) out[t * n + r] = dotF32(rowSeg, 0, x, t * d, d);
        }
    }
}
