package dev.minerva.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Float32 ⇄ any {@link DType}'s storage, for runs of elements (the slow, exact path used by
 * converters, loaders and tests; the backends have their own fused kernels).
 */
public final class ElementCodec {
    private ElementCodec() {}

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort S16 = ValueLayout.JAVA_SHORT_UNALIGNED;

    /**
     * Decodes {@code n} elements starting at logical element {@code first} of storage {@code src}
     * (of type {@code type}) into {@code dst[dstOff..]}. For quantised types {@code first} and
     * {@code n} must be multiples of the block size.
     */
    public static void decode(DType type, MemorySegment src, long first, float[] dst, int dstOff, int n) {
        long byteOff = type.byteSize(first);
        switch (type) {
            case F32 -> MemorySegment.copy(src, F32, byteOff, dst, dstOff, n);
            case F16 -> { for (int i = 0; i < n; i++) dst[dstOff + i] = Float16.toFloat(src.get(S16, byteOff + 2L * i)); }
            case BF16 -> { for (int i = 0; i < n; i++) dst[dstOff + i] = BFloat16.toFloat(src.get(S16, byteOff + 2L * i)); }
            case Q8_0 -> Q8_0Codec.decode(src, byteOff, dst, dstOff, n);
            case Q4_0 -> Q4_0Codec.decode(src, byteOff, dst, dstOff, n);
        }
    }

    /** Encodes {@code src[srcOff .. srcOff+n)} as {@code type} into {@code dst} starting at logical element {@code first}. */
    public static void encode(DType type, float[] src, int srcOff, int n, MemorySegment dst, long first) {
        long byteOff = type.byteSize(first);
        switch (type) {
            case F32 -> MemorySegment.copy(src, srcOff, dst, F32, byteOff, n);
            case F16 -> { for (int i = 0; i < n; i++) dst.set(S16, byteOff + 2L * i, Float16.fromFloat(src[srcOff + i])); }
            case BF16 -> { for (int i = 0; i < n; i++) dst.set(S16, byteOff + 2L * i, BFloat16.fromFloat(src[srcOff + i])); }
            case Q8_0 -> Q8_0Codec.encode(src, srcOff, n, dst, byteOff);
            case Q4_0 -> Q4_0Codec.encode(src, srcOff, n, dst, byteOff);
        }
    }

    /** All elements of {@code t} as floats (for tensors below 2^31 elements: tests and tools). */
    public static float[] toFloats(Tensor t) {
        long n = t.numel();
        if (n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("tensor '" + t.name() + "' too large to decode on the heap: " + n);
        float[] out = new float[(int) n];
        decode(t.dtype(), t.data(), 0, out, 0, (int) n);
        return out;
    }

    /** Row {@code r} of a matrix-shaped tensor (last dimension = columns) as floats. */
    public static float[] row(Tensor t, long r) {
        int cols = (int) t.cols();
        float[] out = new float[cols];
        decode(t.dtype(), t.data(), r * cols, out, 0, cols);
        return out;
    }
}
