package dev.minerva.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * ggml Q4_0 blocks: 32 elements → f16 scale {@code d = m / -8} where {@code m} is the element of
 * largest magnitude (sign kept, so the extreme maps exactly to q = 0), then 16 bytes of nibbles
 * {@code q = clamp(round(x/d) + 8, 0, 15)}: the low nibble of byte j is element j, the high nibble
 * element j + 16; value = {@code (q - 8) * d}. 18 bytes per block.
 */
public final class Q4_0Codec {
    private Q4_0Codec() {}

    public static final int BLOCK = 32;
    public static final int BLOCK_BYTES = 18;
    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED;

    /** Quantises {@code n} floats (a multiple of 32) of {@code src} into {@code dst} at byte {@code dstOff}. */
    public static void encode(float[] src, int srcOff, int n, MemorySegment dst, long dstOff) {
        if (n % BLOCK != 0) throw new IllegalArgumentException("Q4_0 needs a multiple of 32 elements, got " + n);
        for (int b = 0; b < n / BLOCK; b++) {
            int base = srcOff + b * BLOCK;
            float amax = 0, max = 0;
            for (int i = 0; i < BLOCK; i++) {
                float v = src[base + i];
                if (Math.abs(v) > amax) { amax = Math.abs(v); max = v; }
            }
            float d = max / -8f;
            float id = d != 0 ? 1f / d : 0f;
            long o = dstOff + (long) b * BLOCK_BYTES;
            dst.set(F16, o, Float16.fromFloat(d));
            for (int j = 0; j < BLOCK / 2; j++) {
                // ggml truncates x/d + 8.5 (round half up); same here
                int lo = Math.min(15, (int) (src[base + j] * id + 8.5f));
                int hi = Math.min(15, (int) (src[base + j + 16] * id + 8.5f));
                dst.set(ValueLayout.JAVA_BYTE, o + 2 + j, (byte) (lo | (hi << 4)));
            }
        }
    }

    /** Dequantises {@code n} elements from byte {@code srcOff} of {@code src} into {@code dst[dstOff..]}. */
    public static void decode(MemorySegment src, long srcOff, float[] dst, int dstOff, int n) {
        if (n % BLOCK != 0) throw new IllegalArgumentException("Q4_0 needs a multiple of 32 elements, got " + n);
        for (int b = 0; b < n / BLOCK; b++) {
            long o = srcOff + (long) b * BLOCK_BYTES;
            float d = Float16.toFloat(src.get(F16, o));
            int base = dstOff + b * BLOCK;
            for (int j = 0; j < BLOCK / 2; j++) {
                int q = src.get(ValueLayout.JAVA_BYTE, o + 2 + j) & 0xFF;
                dst[base + j] = ((q & 0x0F) - 8) * d;
                dst[base + j + 16] = ((q >>> 4) - 8) * d;
            }
        }
    }
}
