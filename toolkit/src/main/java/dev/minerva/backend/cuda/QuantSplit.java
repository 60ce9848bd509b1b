package dev.minerva.backend.cuda;

import dev.minerva.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The device layout of quantised matrices: ggml's array of blocks split into the quantised values and
 * the scales, so the GEMV kernels read values with 16-byte loads (a 34-byte Q8_0 or 18-byte Q4_0 block
 * is only 2-byte aligned). A pure byte permutation, done once on the host when weights are uploaded:
 *
 * <pre>
 * Q8_0: qs (rows, K) int8             = block b's 32 bytes at [b*32, b*32+32)
 *       d  (rows, K/32) f16           = block b's scale
 * Q4_0: qs (rows, K/2) bytes          = block b's 16 nibble bytes at [b*16, b*16+16), ggml order:
 *                                       low nibble j -> element j, high nibble j -> element j+16
 *       d  (rows, K/32) f16
 * </pre>
 * Both arrays are row-major over all blocks, so block b of the whole matrix (row b / (K/32)) maps as above.
 *
 * @param dtype  Q8_0 or Q4_0
 * @param qs     the quantised values
 * @param scales the f16 scales (little-endian), one per block
 */
public record QuantSplit(DType dtype, byte[] qs, byte[] scales) {

    /**
     * Splits {@code blocks} (ggml layout, {@code nBlocks} blocks of {@code dtype}).
     *
     * @throws IllegalArgumentException if the dtype is not Q8_0/Q4_0 or the segment size does not match
     */
    public static QuantSplit of(DType dtype, MemorySegment blocks, long nBlocks) {
        if (dtype != DType.Q8_0 && dtype != DType.Q4_0) throw new IllegalArgumentException("QuantSplit needs Q8_0 or Q4_0, got " + dtype);
        if (blocks.byteSize() != nBlocks * dtype.blockBytes()) {
            throw new IllegalArgumentException(dtype + ": " + nBlocks + " blocks need " + nBlocks * dtype.blockBytes()
                    + " bytes, segment has " + blocks.byteSize());
        }
        int valueBytes = dtype.blockBytes() - 2;          // 32 (Q8_0) or 16 (Q4_0)
        long qsBytes = nBlocks * valueBytes;
        if (qsBytes > Integer.MAX_VALUE - 16) throw new IllegalArgumentException("matrix too large for one host staging array: " + nBlocks + " blocks");
        byte[] qs = new byte[(int) qsBytes];
        byte[] d = new byte[(int) (2 * nBlocks)];
        for (long b = 0; b < nBlocks; b++) {
            long off = b * dtype.blockBytes();
            d[(int) (2 * b)] = blocks.get(ValueLayout.JAVA_BYTE, off);
            d[(int) (2 * b + 1)] = blocks.get(ValueLayout.JAVA_BYTE, off + 1);
            MemorySegment.copy(blocks, ValueLayout.JAVA_BYTE, off + 2, qs, (int) (b * valueBytes), valueBytes);
        }
        return new QuantSplit(dtype, qs, d);
    }

    /** Element {@code k} of row {@code r} (K columns), read the way the GEMV kernels read it. */
    public float get(long r, long k, long K) {
        long block = (r * K + k) / 32;
        int j = (int) (k % 32);
        float scale = Float.float16ToFloat((short) ((scales[(int) (2 * block)] & 0xff) | (scales[(int) (2 * block + 1)] << 8)));
        if (dtype == DType.Q8_0) return scale * qs[(int) (block * 32 + j)];
        int b = qs[(int) (block * 16 + (j & 15))] & 0xff;
        int q = j < 16 ? (b & 0x0F) : (b >>> 4);
        return scale * (q - 8);
    }
}
