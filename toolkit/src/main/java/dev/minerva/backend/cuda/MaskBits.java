package dev.minerva.backend.cuda;

import dev.minerva.backend.AttentionMask;

/**
 * An {@link AttentionMask} as the bits {@code attn_masked_f32} reads: query row r's key j at bit {@code j % 32} of
 * int {@code r * wordsPerRow + j / 32}, each row padded to whole ints (padding bits 0).
 */
final class MaskBits {
    private MaskBits() {}

    static int wordsPerRow(int kvLength) { return (kvLength + 31) >>> 5; }

    static int[] pack(AttentionMask mask, int rows, int kvLength) {
        int words = wordsPerRow(kvLength);
        int[] bits = new int[Math.multiplyExact(rows, words)];
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < kvLength; j++)
                if (mask.visible(r, rows, j, kvLength)) bits[r * words + (j >>> 5)] |= 1 << (j & 31);
        return bits;
    }
}
