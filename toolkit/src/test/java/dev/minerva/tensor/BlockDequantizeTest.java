package dev.minerva.tensor;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The codecs' dequantisers give exactly {@code q * d} for every possible byte, block by block, at any offset. */
class BlockDequantizeTest {

    @Test void q8_0EveryByteValue() {
        int blocks = 40;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(3 + blocks * 34L);
            SplittableRandom rnd = new SplittableRandom(5);
            for (long i = 0; i < s.byteSize(); i++) s.set(ValueLayout.JAVA_BYTE, i, (byte) rnd.nextInt(256));
            for (int b = 0; b < blocks; b++) s.set(ValueLayout.JAVA_SHORT_UNALIGNED, 3 + b * 34L, Float.floatToFloat16((float) rnd.nextDouble(-2, 2)));
            for (int j = 0; j < 32; j++) s.set(ValueLayout.JAVA_BYTE, 3 + 2 + j, (byte) (-128 + j));   // the extremes
            for (int j = 0; j < 32; j++) s.set(ValueLayout.JAVA_BYTE, 3 + 34 + 2 + j, (byte) (127 - j));
            float[] got = new float[1 + blocks * 32];
            Q8_0Codec.dequantize(s, 3, blocks * 32, got, 1);
            for (int b = 0; b < blocks; b++) {
                float d = Float.float16ToFloat(s.get(ValueLayout.JAVA_SHORT_UNALIGNED, 3 + b * 34L));
                for (int j = 0; j < 32; j++) {
                    float want = s.get(ValueLayout.JAVA_BYTE, 3 + b * 34L + 2 + j) * d;
                    assertEquals(want, got[1 + b * 32 + j], "Q8_0 block " + b + " value " + j);
                }
            }
        }
    }

    @Test void q4_0EveryNibble() {
        int blocks = 40;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(3 + blocks * 18L);
            SplittableRandom rnd = new SplittableRandom(6);
            for (long i = 0; i < s.byteSize(); i++) s.set(ValueLayout.JAVA_BYTE, i, (byte) rnd.nextInt(256));
            for (int b = 0; b < blocks; b++) s.set(ValueLayout.JAVA_SHORT_UNALIGNED, 3 + b * 18L, Float.floatToFloat16((float) rnd.nextDouble(-2, 2)));
            for (int j = 0; j < 16; j++) s.set(ValueLayout.JAVA_BYTE, 3 + 2 + j, (byte) (j * 16 + 15 - j));  // every nibble, both halves
            float[] got = new float[1 + blocks * 32];
            Q4_0Codec.dequantize(s, 3, blocks * 32, got, 1);
            for (int b = 0; b < blocks; b++) {
                float d = Float.float16ToFloat(s.get(ValueLayout.JAVA_SHORT_UNALIGNED, 3 + b * 18L));
                for (int j = 0; j < 16; j++) {
                    int q = s.get(ValueLayout.JAVA_BYTE, 3 + b * 18L + 2 + j) & 0xFF;
                    assertEquals(((q & 15) - 8) * d, got[1 + b * 32 + j], "Q4_0 block " + b + " low nibble " + j);
                    assertEquals(((q >>> 4) - 8) * d, got[1 + b * 32 + 16 + j], "Q4_0 block " + b + " high nibble " + j);
                }
            }
        }
    }

    @Test void q8_0ArrayFormFromAnyBlockOffset() {
        SplittableRandom rnd = new SplittableRandom(7);
        byte[] q = new byte[32 * 9];
        float[] scales = new float[9];
        for (int i = 0; i < q.length; i++) q[i] = (byte) rnd.nextInt(256);
        for (int b = 0; b < scales.length; b++) scales[b] = (float) rnd.nextDouble(-1, 1);
        float[] got = new float[q.length];
        Q8_0Codec.dequantize(q, scales, 64, 5 * 32, got);
        for (int i = 0; i < q.length; i++) {
            float want = i >= 64 && i < 64 + 5 * 32 ? q[i] * scales[i / 32] : 0f;
            assertEquals(want, got[i], "element " + i);
        }
    }
}
