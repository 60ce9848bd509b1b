package dev.minerva.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * ggml Q4_0 block codec: 32 values → one f16 scale {@code d = m / -8} where {@code m} is the value of
 * largest magnitude (sign kept), and 16 bytes of 4-bit codes {@code q = min(15, floor(x/d + 8.5))};
 * byte {@code j} holds element {@code j} in its low nibble and element {@code j+16} in its high nibble
 * (18 bytes). Dequantised value = {@code (q - 8) * d}.
 */
public final class Q4_0Codec {
    private Q4_0Codec() {}

    public static final int BLOCK = 32;
    public static final int BLOCK_BYTES = 18;
    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED;

    /** Quantises {@code n} floats (a multiple of 32) from {@code src[off..]} into {@code dst} at byte offset {@code dstOff}. */
    public static void quantize(float[] src, int off, int n, MemorySegment dst, long dstOff) {
        for (int b = 0; b < n / BLOCK; b++) {
            int base = off + b * BLOCK;
            float amax = 0, max = 0;
            for (int j = 0; j < BLOCK; j++) {
                float v = src[base + j];
                if (Math.abs(v) > amax) { amax = Math.abs(v); max = v; }
            }
            float d = max / -8f;
            float id = d != 0 ? 1f / d : 0f;
            long o = dstOff + (long) b * BLOCK_BYTES;
            dst.set(F16, o, HalfFloats.floatToF16(d));
            for (int j = 0; j < BLOCK / 2; j++) {
                int lo = Math.min(15, (int) (src[base + j] * id + 8.5f));
                int hi = Math.min(15, (int) (src[base + j + 16] * id + 8.5f));
                dst.set(ValueLayout.JAVA_BYTE, o + 2 + j, (byte) (lo | (hi << 4)));
            }
        }
    }

    /** Dequantises {@code n} values starting at byte offset {@code srcOff} into {@code dst[off..]}. */
    public static void dequantize(MemorySegment src, long srcOff, int n, float[] dst, int off) {
        if (BlockVectors.ENABLED) {
            for (int b = 0; b < n / BLOCK; b++) {
                long o = srcOff + (long) b * BLOCK_BYTES;
                BlockVectors.nibblesToFloats(src, o + 2, HalfFloats.f16ToFloat(src.get(F16, o)), dst, off + b * BLOCK);
            }
            return;
        }
        for (int b = 0; b < n / BLOCK; b++) {
            long o = srcOff + (long) b * BLOCK_BYTES;
            float d = HalfFloats.f16ToFloat(src.get(F16, o));
            for (int j = 0; j < BLOCK / 2; j++) {
                int q = src.get(ValueLayout.JAVA_BYTE, o + 2 + j) & 0xFF;
                dst[off + b * BLOCK + j] = ((q & 0x0F) - 8) * d;
                dst[off + b * BLOCK + j + 16] = ((q >>> 4) - 8) * d;
            }
        }
    }
}
