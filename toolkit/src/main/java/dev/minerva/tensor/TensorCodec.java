package dev.minerva.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Converts rows of any {@link DType} to and from float32: the one place that knows every storage
 * layout. Used by loaders, precision plans, reference implementations and slow paths; hot kernels
 * read the layouts directly.
 */
public final class TensorCodec {
    private TensorCodec() {}

    /** Decodes {@code n} logical elements starting at logical element {@code first} of {@code t} into {@code dst[off..]}. */
    public static void decode(Tensor t, long first, int n, float[] dst, int off) {
        MemorySegment s = t.data();
        DType dt = t.dtype();
        switch (dt) {
            case F32 -> MemorySegment.copy(s, ValueLayout.JAVA_FLOAT_UNALIGNED, first * 4, dst, off, n);
            case F16 -> { for (int i = 0; i < n; i++) dst[off + i] = HalfFloats.f16ToFloat(s.get(ValueLayout.JAVA_SHORT_UNALIGNED, (first + i) * 2)); }
            case BF16 -> { for (int i = 0; i < n; i++) dst[off + i] = HalfFloats.bf16ToFloat(s.get(ValueLayout.JAVA_SHORT_UNALIGNED, (first + i) * 2)); }
            case Q8_0 -> Q8_0Codec.dequantize(s, blockOffset(dt, first, n), n, dst, off);
            case Q4_0 -> Q4_0Codec.dequantize(s, blockOffset(dt, first, n), n, dst, off);
        }
    }

    /** Encodes {@code n} floats into {@code t} starting at logical element {@code first}. */
    public static void encode(float[] src, int off, int n, Tensor t, long first) {
        MemorySegment s = t.data();
        DType dt = t.dtype();
        switch (dt) {
            case F32 -> MemorySegment.copy(src, off, s, ValueLayout.JAVA_FLOAT_UNALIGNED, first * 4, n);
            case F16 -> { for (int i = 0; i < n; i++) s.set(ValueLayout.JAVA_SHORT_UNALIGNED, (first + i) * 2, HalfFloats.floatToF16(src[off + i])); }
            case BF16 -> { for (int i = 0; i < n; i++) s.set(ValueLayout.JAVA_SHORT_UNALIGNED, (first + i) * 2, HalfFloats.floatToBf16(src[off + i])); }
            case Q8_0 -> Q8_0Codec.quantize(src, off, n, s, blockOffset(dt, first, n));
            case Q4_0 -> Q4_0Codec.quantize(src, off, n, s, blockOffset(dt, first, n));
        }
    }

    /** Row {@code r} of a matrix, decoded to float32. */
    public static float[] row(Tensor t, long r) {
        int cols = Math.toIntExact(t.cols());
        float[] out = new float[cols];
        decode(t, r * cols, cols, out, 0);
        return out;
    }

    /** The whole tensor decoded to float32 (tests and tools; fails above 2^31 elements). */
    public static float[] toFloats(Tensor t) {
        float[] out = new float[Math.toIntExact(t.numel())];
        decode(t, 0, out.length, out, 0);
        return out;
    }

    /**
     * {@code t} converted to {@code target} in native memory (row by row, so a memory-mapped source
     * is streamed once). Returns {@code t} itself when it already has that dtype.
     *
     * @throws IllegalArgumentException if the row length is not a multiple of the target block size
     */
    public static Tensor convert(Tensor t, DType target, java.lang.foreign.Arena arena) {
        if (t.dtype() == target) return t;
        long cols = t.cols();
        if (cols % target.blockSize() != 0) {
            throw new IllegalArgumentException("tensor '" + t.name() + "' rows of " + cols + " elements cannot be stored as "
                    + target + " (blocks of " + target.blockSize() + ")");
        }
        Tensor out = Tensor.allocate(arena, t.name(), target, t.shape());
        float[] buf = new float[Math.toIntExact(cols)];
        for (long r = 0; r < t.rows(); r++) {
            decode(t, r * cols, buf.length, buf, 0);
            encode(buf, 0, buf.length, out, r * cols);
        }
        return out;
    }

    private static long blockOffset(DType dt, long first, int n) {
        if (first % dt.blockSize() != 0 || n % dt.blockSize() != 0) {
            throw new IllegalArgumentException(dt + " access must be block aligned: first=" + first + " n=" + n);
        }
        return first / dt.blockSize() * dt.blockBytes();
    }
}
