package dev.minerva.backend.cuda;

import dev.minerva.tensor.DType;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The split layout the GEMV kernels read, checked against ggml's block definitions written out
 * independently here: Q8_0 = f16 d + 32 int8 (value q*d); Q4_0 = f16 d + 16 bytes, low nibbles are
 * elements 0..15 and high nibbles 16..31, value (q-8)*d.
 */
class QuantSplitTest {

    static byte[] randomBlocks(DType t, int nBlocks, Random rnd) {
        byte[] b = new byte[nBlocks * t.blockBytes()];
        for (int i = 0; i < nBlocks; i++) {
            short d = Float.floatToFloat16((float) (rnd.nextGaussian() * 0.05));
            int off = i * t.blockBytes();
            b[off] = (byte) d;
            b[off + 1] = (byte) (d >> 8);
            for (int j = 2; j < t.blockBytes(); j++) b[off + j] = (byte) rnd.nextInt(256);
        }
        return b;
    }

    /** Naive ggml dequantisation of element e (over the whole matrix). */
    static float ggml(DType t, byte[] blocks, int e) {
        int blk = e / 32, j = e % 32, off = blk * t.blockBytes();
        float d = Float.float16ToFloat((short) ((blocks[off] & 0xff) | (blocks[off + 1] << 8)));
        if (t == DType.Q8_0) return d * blocks[off + 2 + j];
        int byteVal = blocks[off + 2 + (j < 16 ? j : j - 16)] & 0xff;
        int q = j < 16 ? byteVal & 0xF : byteVal >> 4;
        return (q - 8) * d;
    }

    @Test
    void splitLayoutMatchesGgmlBlocks() {
        Random rnd = new Random(7);
        int rows = 5, K = 96;
        for (DType t : new DType[]{DType.Q8_0, DType.Q4_0}) {
            byte[] blocks = randomBlocks(t, rows * K / 32, rnd);
            QuantSplit s = QuantSplit.of(t, MemorySegment.ofArray(blocks), rows * K / 32);
            assertEquals(t == DType.Q8_0 ? rows * K : rows * K / 2, s.qs().length);
            assertEquals(2 * rows * K / 32, s.scales().length);
            for (int r = 0; r < rows; r++)
                for (int k = 0; k < K; k++) {
                    float want = ggml(t, blocks, r * K + k), got = s.get(r, k, K);
                    assertEquals(want, got, 0f, t + " row " + r + " col " + k);
                }
        }
    }

    @Test
    void q4NibbleOrderOnAKnownBlock() {
        // d = 1.0; byte j = (hi=j%16, lo=15-j): element j -> (15-j)-8, element j+16 -> (j%16)-8
        byte[] blk = new byte[18];
        short one = Float.floatToFloat16(1f);
        blk[0] = (byte) one;
        blk[1] = (byte) (one >> 8);
        for (int j = 0; j < 16; j++) blk[2 + j] = (byte) ((j << 4) | (15 - j));
        QuantSplit s = QuantSplit.of(DType.Q4_0, MemorySegment.ofArray(blk), 1);
        for (int j = 0; j < 16; j++) {
            assertEquals(15 - j - 8, s.get(0, j, 32), "element " + j + " (low nibble of byte " + j + ")");
            assertEquals(j - 8, s.get(0, j + 16, 32), "element " + (j + 16) + " (high nibble of byte " + j + ")");
        }
    }

    @Test
    void rejectsWrongSizes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> QuantSplit.of(DType.Q8_0, MemorySegment.ofArray(new byte[33]), 1));
        assertTrue(e.getMessage().contains("34"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> QuantSplit.of(DType.F16, MemorySegment.ofArray(new byte[2]), 1));
    }
}
