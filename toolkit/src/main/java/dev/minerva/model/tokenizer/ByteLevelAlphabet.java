package dev.minerva.model.tokenizer;

/**
 * GPT-2's reversible byte ⇄ printable-character mapping used by byte-level BPE (GPT-2, Llama 3):
 * printable Latin-1 bytes map to themselves, the other 68 bytes to U+0100 onwards, in byte order.
 */
public final class ByteLevelAlphabet {
    private ByteLevelAlphabet() {}

    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE = new int[512];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + n++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    /** The character standing for byte {@code b} (0..255). */
    public static char toChar(int b) { return BYTE_TO_CHAR[b & 0xFF]; }

    /** The byte a character stands for, or -1 if it is not in the alphabet. */
    public static int toByte(char c) { return c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1; }

    /** UTF-8 bytes of {@code s} spelled in the alphabet. */
    public static String encode(String s) {
        byte[] bytes = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder(bytes.length);
        for (byte b : bytes) sb.append(toChar(b));
        return sb.toString();
    }
}
