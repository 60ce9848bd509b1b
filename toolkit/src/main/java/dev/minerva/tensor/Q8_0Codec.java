package dev.minerva.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * ggml Q8_0 blocks: 32 elements → f16 scale {@code d = max|x| / 127} then 32 int8
 * {@code q = round(x / d)}; value = {@code q * d}. 34 bytes per block, little-endian.
 */
public final class Q8_0Codec {
    private Q8_0Codec() {}

    public static final int BLOCK = 32;
    public static final int BLOCK_BYTES = 34;
    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED;

    /**
     * Quantises {@code n} floats of {@code src} from {@code srcOff} into {@code dst} at byte {@code dstOff}.
     *
     * @throws IllegalArgumentException if {@code n} is not a multiple of 32
     */
    public static void encode(float[] src, int srcOff, int n, MemorySegment dst, long dstOff) {
        if (n % BLOCK != 0) throw new IllegalArgumentException("Q8_0 needs a multiple of 32 elements, got " + n);
        for (int b = 0; b < n / BLOCK; b++) {
            int base = srcOff + b * BLOCK;
            float amax = 0;
            for (int i = 0; i < BLOCK; i++) amax = Math.max(amax, Math.abs(src[base + i]));
            float d = amax / 127f;
            float id = d != 0 ? 1f / d : 0f;
            long o = dstOff + (long) b * BLOCK_BYTES;
            dst.set(F16, o, Float16.fromFloat(d));
            for (int i = 0; i < BLOCK; i++) {
                dst.set(ValueLayout.JAVA_BYTE, o + 2 + i, (byte) roundHalfAway(src[base + i] * id));
            }
        }
    }

    /** C's {@code roundf}: halves away from zero (what ggml uses), unlike {@link Math#round}. */
    private static int roundHalfAway(float v) { return v >= 0 ? (int) (v + 0.5f) : -(int) (-v + 0.5f); }

    /** Dequantises {@code n} elements from byte {@code srcOff} of {@code src} into {@code dst[dstOff..]}. */
    public static void decode(MemorySegment src, long srcOff, float[] dst, int dstOff, int n) {
        if (n % BLOCK != 0) throw new IllegalArgumentException("Q8_0 needs a multiple of 32 elements, got " + n);
        for (int b = 0; b < n / BLOCK; b++) {
            long o = srcOff + (long) b * BLOCK_BYTES;
            float d = Float16.toFloat(src.get(F16, o));
            for (int i = 0; i < BLOCK; i++) dst[dstOff + b * BLOCK + i] = src.get(ValueLayout.JAVA_BYTE, o + 2 + i) * d;
        }
    }
}
