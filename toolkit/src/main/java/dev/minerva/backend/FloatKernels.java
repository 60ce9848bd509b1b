package dev.minerva.backend;

import dev.minerva.tensor.DType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Decode matmul kernels for float weights: rows {@code [r0, r1)} of {@code w} (n, d) against the few
 * tokens of {@code x} (T, d) into {@code out} (T, n). Each weight row is read from memory once and
 * reused for all T tokens from L1. Prefill (many tokens) goes through {@link PrefillGemm}.
 */
final class FloatKernels {
    private FloatKernels() {}

    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /**
     * Four weight rows per pass share each activation load (5 loads per 4 FMAs instead of 8). It streams as fast as
     * a plain read of the same bytes: over stories110M's 49 decode matrices, two threads through the worker pool,
     * interleaved (a throwaway probe, 60 rounds per JVM), this kernel and a vector sum of the same chunks ran within
     * 8 % of each other in each of four JVMs, at 23-36 GB/s best and 15-26 mean as the machine drifted. One row per
     * pass was 5-10 % slower (35 % at d = 2048), eight rows per pass 0-5 % faster, inside the noise. One contiguous
     * half per thread of all the bytes, no chunks and no joins, was 4-18 % faster (best) and 6-11 % (mean): that is
     * what cutting the step into matmuls costs. So stories110M F32 decode's 59-61 % of the triad is this machine's
     * read bandwidth for this access, set against the triad's best pass, not the kernel.
     */
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

    /**
     * F16/BF16 weights: each row is widened to float once, then dotted with every token. BF16 widens
     * on the Vector API (16 shorts → two 8-int halves shifted left by 16, reinterpreted as floats);
     * F16 uses the scalar {@code Float.float16ToFloat} intrinsic (the Vector API has no f16 conversion).
     */
    static void matmulHalf(float[] out, float[] x, MemorySegment w, DType dtype, int T, int n, int d, int r0, int r1) {
        float[] row = new float[d];
        MemorySegment rowSeg = MemorySegment.ofArray(row);
        boolean bf16 = dtype == DType.BF16;
        for (int r = r0; r < r1; r++) {
            long off = (long) r * d * 2;
            int i = 0;
            if (bf16 && BF16_VECTOR) {
                for (; i + 16 <= d; i += 16) {
                    ShortVector h = ShortVector.fromMemorySegment(ShortVector.SPECIES_256, w, off + 2L * i, LE);
                    ((IntVector) h.convertShape(VectorOperators.S2I, IntVector.SPECIES_256, 0)).lanewise(VectorOperators.LSHL, 16)
                            .reinterpretAsFloats().intoArray(row, i);
                    ((IntVector) h.convertShape(VectorOperators.S2I, IntVector.SPECIES_256, 1)).lanewise(VectorOperators.LSHL, 16)
                            .reinterpretAsFloats().intoArray(row, i + 8);
                }
            }
            for (; i < d; i++) {
                short h = w.get(ValueLayout.JAVA_SHORT_UNALIGNED, off + 2L * i);
                row[i] = bf16 ? Float.intBitsToFloat((h & 0xFFFF) << 16) : Float.float16ToFloat(h);
            }
            for (int t = 0; t < T; t++) out[t * n + r] = dotF32(rowSeg, 0, x, t * d, d);
        }
    }

    private static final boolean BF16_VECTOR = FS.vectorBitSize() >= 256;
}
