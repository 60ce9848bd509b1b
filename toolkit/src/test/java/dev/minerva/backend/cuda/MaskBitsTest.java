package dev.minerva.backend.cuda;

import dev.minerva.backend.AttentionMask;
import dev.minerva.engine.TreeMask;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** The bits attn_masked_f32 reads say exactly what AttentionMask.visible says, across word boundaries. */
class MaskBitsTest {

    private static void assertSame(AttentionMask mask, int rows, int kvLength) {
        int[] bits = MaskBits.pack(mask, rows, kvLength);
        int words = MaskBits.wordsPerRow(kvLength);
        assertEquals(rows * words, bits.length);
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < words * 32; j++) {
                boolean bit = (bits[r * words + j / 32] >>> (j % 32) & 1) == 1;
                boolean want = j < kvLength && mask.visible(r, rows, j, kvLength);
                if (bit != want) fail(mask + " rows " + rows + " kv " + kvLength + ": row " + r + " key " + j + " bit " + bit + ", visible " + want);
            }
        }
    }

    @Test void causalAndTreeAtWordBoundaries() {
        for (int kv : new int[]{1, 31, 32, 33, 64, 65, 100}) {
            int rows = Math.min(kv, 5);
            assertSame(AttentionMask.CAUSAL, rows, kv);
        }
        TreeMask tree = new TreeMask(new int[]{-1, 0, 0, 1, 2, 2, -1});
        for (int kv : new int[]{7, 31, 32, 39, 64, 71}) assertSame(tree, 7, kv);
    }

    @Test void anyMask() {
        Random rnd = new Random(3);
        boolean[][] see = new boolean[9][97];
        for (boolean[] row : see) for (int j = 0; j < row.length; j++) row[j] = rnd.nextBoolean();
        see[4] = new boolean[97];   // a row that sees nothing
        AttentionMask random = (row, rows, slot, kvLength) -> see[row][slot];
        assertSame(random, 9, 97);
        assertEquals(0, MaskBits.pack(random, 9, 97)[4 * 4]);
    }
}
