package dev.minerva.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * ggml Q8_0 block codec: 32 values → one f16 scale {@code d = max|x| / 127} and 32 int8
 * {@code q = round(x / d)} (half away from zero), 34 bytes. Dequantised value = {@code q * d}.
 */
public final class Q8_0Codec {
    private Q8_0Codec() {}

    public static final int BLOCK = 32;
    public static final int BLOCK_BYTES = 34;
    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED;

    /** Quantises {@code n} floats (a multiple of 32) from {@code src[off..]} into {@code dst} at byte offset {@code dstOff}. */
    public static void quantize(float[] src, int off, int n, MemorySegment dst, long dstOff) {
        for (int b = 0; b < n / BLOCK; b++) {
            int base = off + b * BLOCK;
            float d = blockScale(src, base);
            float id = d != 0 ? 1f / d : 0f;
            long o = dstOff + (long) b * BLOCK_BYTES;
            dst.set(F16, o, HalfFloats.floatToF16(d));
            for (int j = 0; j < BLOCK; j++) {
                dst.set(ValueLayout.JAVA_BYTE, o + 2 + j, (byte) roundHalfAway(src[base + j] * id));
            }
        }
    }

    /** Quantises into plain arrays (activation path): {@code q[off..off+n)} and one scale per block in {@code scales[off/32..]}. */
    public static void quantize(float[] src, int off, int n, byte[] q, float[] scales) {
        for (int b = 0; b < n / BLOCK; b++) {
            int base = off + b * BLOCK;
            float d = BlockVectors.ENABLED ? BlockVectors.quantizeQ8Block(src, base, q) : quantizeBlock(src, base, q);
            // the scale used in dot products is the f16-rounded one, as stored in a Q8_0 block
            scales[base / BLOCK] = HalfFloats.f16ToFloat(HalfFloats.floatToF16(d));
        }
    }

    /** One block into {@code q[base..base+32)}; returns the unrounded scale (the scalar twin of {@code BlockVectors.quantizeQ8Block}). */
    private static float quantizeBlock(float[] src, int base, byte[] q) {
        float d = blockScale(src, base);
        float id = d != 0 ? 1f / d : 0f;
        for (int j = 0; j < BLOCK; j++) q[base + j] = (byte) roundHalfAway(src[base + j] * id);
        return d;
    }

    /** Dequantises the array form: {@code dst[off + i] = q[off + i] * scales[(off + i) / 32]} for {@code i < n} (n, off multiples of 32). */
    public static void dequantize(byte[] q, float[] scales, int off, int n, float[] dst) {
        for (int b = off / BLOCK; b < (off + n) / BLOCK; b++) {
            float d = scales[b];
            if (BlockVectors.ENABLED) {
                for (int j = 0; j < BLOCK; j += 8) BlockVectors.bytesToFloats(q, b * BLOCK + j, d, dst, b * BLOCK + j);
            } else {
                for (int j = b * BLOCK; j < b * BLOCK + BLOCK; j++) dst[j] = q[j] * d;
            }
        }
    }

    /** Dequantises {@code n} values starting at byte offset {@code srcOff} into {@code dst[off..]}. */
    public static void dequantize(MemorySegment src, long srcOff, int n, float[] dst, int off) {
        if (BlockVectors.ENABLED) {
            for (int b = 0; b < n / BLOCK; b++) {
                long o = srcOff + (long) b * BLOCK_BYTES;
                float d = HalfFloats.f16ToFloat(src.get(F16, o));
                for (int j = 0; j < BLOCK; j += 8) BlockVectors.bytesToFloats(src, o + 2 + j, d, dst, off + b * BLOCK + j);
            }
            return;
        }
        for (int b = 0; b < n / BLOCK; b++) {
            long o = srcOff + (long) b * BLOCK_BYTES;
            float d = HalfFloats.f16ToFloat(src.get(F16, o));
            for (int j = 0; j < BLOCK; j++) dst[off + b * BLOCK + j] = src.get(ValueLayout.JAVA_BYTE, o + 2 + j) * d;
        }
    }

    /** The block scale {@code max|x| / 127} of the 32 values at {@code src[base..]} (before f16 rounding). */
    private static float blockScale(float[] src, int base) {
        float amax = 0;
        for (int j = 0; j < BLOCK; j++) amax = Math.max(amax, Math.abs(src[base + j]));
        return amax / 127f;
    }

    static int roundHalfAway(float v) {
        return v < 0 ? -Math.round(-v) : Math.round(v);
    }
}
