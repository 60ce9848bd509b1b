package dev.minerva.lab.calibration;

import java.util.ArrayList;
import java.util.List;

/** Cuts a token stream into fixed-length chunks, each prefixed with BOS and scored independently. */
public final class TokenChunks {
    private TokenChunks() {}

    /**
     * @param tokens    the text's tokens (no BOS)
     * @param length    predicted tokens per chunk (the chunk holds BOS + length tokens)
     * @param maxChunks at most this many chunks (from the start of the text); &le; 0 for all
     * @return chunks of {@code length + 1} ids; a trailing partial chunk is dropped so all chunks weigh the same
     * @throws IllegalArgumentException if the text is shorter than one chunk
     */
    public static List<int[]> split(int[] tokens, int length, int maxChunks, int bos) {
        if (length < 1) throw new IllegalArgumentException("chunk length must be >= 1: " + length);
        List<int[]> out = new ArrayList<>();
        for (int s = 0; s + length <= tokens.length && (maxChunks <= 0 || out.size() < maxChunks); s += length) {
            int[] c = new int[length + 1];
            c[0] = bos;
            System.arraycopy(tokens, s, c, 1, length);
            out.add(c);
        }
        if (out.isEmpty()) throw new IllegalArgumentException("text has " + tokens.length + " tokens, fewer than one chunk of " + length);
        return out;
    }
}
