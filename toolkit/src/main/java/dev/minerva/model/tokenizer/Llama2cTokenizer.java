package dev.minerva.model.tokenizer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * llama2.c {@code tokenizer.bin}: int32 {@code max_token_length}, then per token a float32 merge score,
 * an int32 byte length and the UTF-8 bytes. Encoding is SentencePiece-style BPE as in llama2.c:
 * a dummy-prefix space, one token per code point (unknown code points fall back to byte tokens
 * {@code <0xNN>} = id {@code 3 + byte}), then repeatedly merge the adjacent pair whose merged string
 * is in the vocabulary with the highest score (leftmost on ties).
 * Ids 0, 1, 2 are {@code <unk>}, BOS, EOS.
 */
public final class Llama2cTokenizer implements Tokenizer {
    private final String[] vocab;
    private final byte[][] bytes;
    private final float[] scores;
    private final Map<String, Integer> ids = new HashMap<>();
    private final byte[][] byteTokenText = new byte[256][];
    private final int[] byteIds = new int[256];

    private Llama2cTokenizer(byte[][] bytes, float[] scores) {
        this.bytes = bytes;
        this.scores = scores;
        this.vocab = new String[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            vocab[i] = new String(bytes[i], StandardCharsets.UTF_8);
            ids.putIfAbsent(vocab[i], i);
        }
        for (int b = 0; b < 256; b++) {
            byteIds[b] = ids.getOrDefault(String.format("<0x%02X>", b), -1);
            byteTokenText[b] = new byte[]{(byte) b};
        }
    }

    /**
     * Reads a llama2.c tokenizer with {@code vocabSize} entries (the model header says how many).
     *
     * @throws IllegalArgumentException naming the file, entry and byte offset if it is malformed
     */
    public static Llama2cTokenizer load(Path file, int vocabSize) throws IOException {
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException(file + ": not a regular file (expected a llama2.c tokenizer.bin)");
        if (vocabSize <= 0) throw new IllegalArgumentException(file + ": vocabulary size must be positive, got " + vocabSize);
        long size = Files.size(file);
        if (size > Integer.MAX_VALUE) throw new IllegalArgumentException(file + ": " + size + " bytes is too large for a tokenizer.bin");
        // the minimum per entry is 8 bytes: check before allocating the tables
        if (4 + 8L * vocabSize > size) {
            throw new IllegalArgumentException(file + ": " + size + " bytes cannot hold " + vocabSize + " tokens (at least 8 bytes each after a 4-byte header): token "
                    + ((size - 4) / 8) + " would start past the end, at byte offset " + (4 + 8 * ((size - 4) / 8)));
        }
        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        int maxLen = buf.getInt();
        if (maxLen <= 0 || maxLen > 1 << 16) throw new IllegalArgumentException(file + ": max_token_length " + maxLen + " at byte offset 0 is out of range");
        byte[][] bytes = new byte[vocabSize][];
        float[] scores = new float[vocabSize];
        for (int i = 0; i < vocabSize; i++) {
            int at = buf.position();
            if (buf.remaining() < 8) throw new IllegalArgumentException(file + ": token " + i + " at byte offset " + at + " is truncated (file ends at " + size + ")");
            scores[i] = buf.getFloat();
            int len = buf.getInt();
            if (len < 0 || len > maxLen || len > buf.remaining()) {
                throw new IllegalArgumentException(file + ": token " + i + " length " + len + " at byte offset " + (at + 4)
                        + " is invalid (max_token_length " + maxLen + ", " + buf.remaining() + " bytes left)");
            }
            bytes[i] = new byte[len];
            buf.get(bytes[i]);
        }
        return new Llama2cTokenizer(bytes, scores);
    }

    @Override public int vocabSize() { return vocab.length; }

    @Override public int bos() { return 1; }

    @Override public int eos() { return 2; }

    /** The raw piece text of {@code id}. */
    public String piece(int id) { return vocab[id]; }

    /** The merge score of {@code id}. */
    public float score(int id) { return scores[id]; }

    @Override public int[] encode(String text, boolean bos, boolean eos) {
        java.util.ArrayList<Integer> tokens = new java.util.ArrayList<>();
        if (bos) tokens.add(bos());
        // the dummy prefix merges like any other symbol (llama2.c's merge loop runs over all tokens)
        int start = tokens.size();
        if (!text.isEmpty()) {
            // SentencePiece adds a dummy prefix space
            Integer space = ids.get(" ");
            if (space != null) tokens.add(space);
        }
        text.codePoints().forEach(cp -> {
            String s = new String(Character.toChars(cp));
            Integer id = ids.get(s);
            if (id != null) {
                tokens.add(id);
            } else {
                for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
                    int bid = byteIds[b & 0xFF];
                    tokens.add(bid >= 0 ? bid : 0);
                }
            }
        });
        // llama2.c's rule: merge the pair whose concatenation scores highest, leftmost on ties
        List<Integer> work = tokens.subList(start, tokens.size());
        List<Integer> merged = PairMerger.merge(work, (l, r) -> {
            Integer m = ids.get(vocab[l] + vocab[r]);
            return m == null ? null : new PairMerger.Merge(m, -scores[m]);
        });
        work.clear();
        work.addAll(merged);
        if (eos) tokens.add(eos());
        return tokens.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * The bytes {@code token} contributes after {@code previous}: byte tokens give their raw byte,
     * and the leading space of a piece directly after BOS is dropped (llama2.c {@code decode}).
     */
    @Override public byte[] pieceBytes(int previous, int token) {
        String p = vocab[token];
        if (p.length() == 6 && p.startsWith("<0x") && p.endsWith(">")) {
            try {
                return byteTokenText[Integer.parseInt(p.substring(3, 5), 16)];
            } catch (NumberFormatException ignored) {
                // not a byte token, fall through
            }
        }
        byte[] b = bytes[token];
        if (previous == bos() && b.length > 0 && b[0] == ' ') return java.util.Arrays.copyOfRange(b, 1, b.length);
        return b;
    }

    @Override public String decodePiece(int previous, int token) {
        return new String(pieceBytes(previous, token), StandardCharsets.UTF_8);
    }

    @Override public String decode(int[] tokens) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int prev = -1;
        for (int t : tokens) {
            if (t != bos() && t != eos()) out.writeBytes(pieceBytes(prev, t));
            prev = t;
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
