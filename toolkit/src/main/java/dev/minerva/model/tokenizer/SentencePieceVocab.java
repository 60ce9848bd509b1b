package dev.minerva.model.tokenizer;

import dev.minerva.model.ModelFormatException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A SentencePiece-style vocabulary: pieces (with {@code ▁} for a space), a score per piece (higher
 * merges first) and a GGUF token type per piece. This is what llama2.c's {@code tokenizer.bin} and
 * a GGUF {@code tokenizer.ggml.model = "llama"} vocab hold, and what {@code tokenizer.json} is
 * derived from.
 *
 * @param pieces piece text per id, spaces written as {@code ▁}, bytes as {@code <0xNN>}
 * @param scores merge priority per id
 * @param types  GGUF token type per id ({@link #NORMAL}, {@link #UNKNOWN}, {@link #CONTROL}, {@link #BYTE}, …)
 */
public record SentencePieceVocab(List<String> pieces, float[] scores, int[] types, int bos, int eos, int unk) {
    public static final int NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5, BYTE = 6;
    public static final char SPACE = '\u2581';

    public SentencePieceVocab {
        pieces = List.copyOf(pieces);
        if (scores.length != pieces.size() || types.length != pieces.size()) {
            throw new IllegalArgumentException("vocab of " + pieces.size() + " pieces has " + scores.length + " scores and " + types.length + " types");
        }
        for (int id : new int[]{bos, eos, unk}) {
            if (id < -1 || id >= pieces.size()) throw new IllegalArgumentException("special token id " + id + " outside vocab of " + pieces.size());
        }
    }

    public int size() { return pieces.size(); }

    /** The byte value of a {@code <0xNN>} piece, or -1. */
    public static int byteValue(String piece) {
        if (piece.length() == 6 && piece.startsWith("<0x") && piece.endsWith(">")) {
            try {
                return Integer.parseInt(piece.substring(3, 5), 16);
            } catch (NumberFormatException e) {
                return -1;
            }
        }
        return -1;
    }

    /** The GGUF token type SentencePiece would give {@code piece} at {@code id} in a Llama vocab. */
    static int guessType(String piece, int id) {
        if (piece.equals("<unk>")) return UNKNOWN;
        if (piece.equals("<s>") || piece.equals("</s>")) return CONTROL;
        if (byteValue(piece) >= 0) return BYTE;
        return NORMAL;
    }

    /**
     * Reads llama2.c's {@code tokenizer.bin}: int32 max_token_length, then per token float32 score,
     * int32 length and the UTF-8 bytes (spaces as real spaces, which become {@code ▁} here), to the end
     * of the file.
     *
     * @throws ModelFormatException naming the token and byte offset if the file is truncated or a length is invalid
     */
    public static SentencePieceVocab readLlama2c(Path file) throws IOException {
        if (Files.isDirectory(file)) throw new ModelFormatException(file, "tokenizer.bin", -1, "is a directory, not a file");
        long size = Files.size(file);
        if (size > Integer.MAX_VALUE) throw new ModelFormatException(file, "tokenizer.bin", 0, "is " + size + " bytes, too large for a tokenizer");
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        if (b.remaining() < 4) throw new ModelFormatException(file, "max_token_length", 0, "file is " + size + " bytes, too short for a header");
        int maxLen = b.getInt();
        if (maxLen <= 0 || maxLen > 1 << 16) throw new ModelFormatException(file, "max_token_length", 0, "is " + maxLen);
        List<String> pieces = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        while (b.hasRemaining()) {
            int at = b.position();
            String field = "token " + pieces.size();
            if (b.remaining() < 8) throw new ModelFormatException(file, field, at, "truncated: " + b.remaining() + " bytes left, need 8 for score and length");
            float score = b.getFloat();
            int len = b.getInt();
            if (len < 0 || len > maxLen || len > b.remaining()) {
                throw new ModelFormatException(file, field + " length", at + 4, "is " + len + " (max_token_length " + maxLen + ", " + b.remaining() + " bytes left)");
            }
            byte[] s = new byte[len];
            b.get(s);
            String piece = new String(s, StandardCharsets.UTF_8);
            // llama2.c's exporter writes BOS/EOS as "\n<s>\n" and "\n</s>\n"
            if (piece.equals("\n<s>\n") || piece.equals("\n</s>\n")) piece = piece.strip();
            pieces.add(piece.replace(' ', SPACE));
            scores.add(score);
        }
        if (pieces.isEmpty()) throw new ModelFormatException(file, "tokens", 4, "the file holds no tokens");
        float[] sc = new float[pieces.size()];
        int[] ty = new int[pieces.size()];
        for (int i = 0; i < sc.length; i++) {
            sc[i] = scores.get(i);
            ty[i] = guessType(pieces.get(i), i);
        }
        int bos = pieces.indexOf("<s>"), eos = pieces.indexOf("</s>"), unk = pieces.indexOf("<unk>");
        // llama2.c hard-codes BOS = 1 and EOS = 2
        return new SentencePieceVocab(pieces, sc, ty, bos >= 0 ? bos : Math.min(1, sc.length - 1), eos >= 0 ? eos : Math.min(2, sc.length - 1), unk);
    }

    /**
     * A stand-in vocabulary of exactly {@code size} pieces for synthetic models: {@code <unk> <s> </s>},
     * the 256 byte pieces, then printable ASCII strings of growing length (each one's prefix is also a
     * piece, so merges exist), scores decreasing with length.
     */
    public static SentencePieceVocab synthetic(int size) {
        if (size < 3 + 256 + 1) throw new IllegalArgumentException("a synthetic byte-level vocab needs at least 260 pieces, asked " + size);
        List<String> p = new ArrayList<>(size);
        p.add("<unk>");
        p.add("<s>");
        p.add("</s>");
        for (int i = 0; i < 256; i++) p.add(String.format("<0x%02X>", i));
        String alphabet = SPACE + "etaoinshrdlucmfwypvbgkjqxzETAOINSHRDLUCMFWYPVBGKJQXZ0123456789.,!?'\"-:;()";
        List<String> level = new ArrayList<>();
        for (char c : alphabet.toCharArray()) level.add(String.valueOf(c));
        java.util.Set<String> seen = new java.util.HashSet<>();
        outer:
        while (true) {
            List<String> next = new ArrayList<>();
            for (String s : level) {
                if (p.size() == size) break outer;
                if (seen.add(s)) p.add(s);
            }
            for (String s : level) {
                for (char c : alphabet.toCharArray()) {
                    next.add(s + c);
                    if (next.size() > size) break;
                }
                if (next.size() > size) break;
            }
            level = next;
        }
        float[] sc = new float[size];
        int[] ty = new int[size];
        for (int i = 0; i < size; i++) {
            ty[i] = guessType(p.get(i), i);
            sc[i] = ty[i] == NORMAL ? -(i - 259) : 0f;
        }
        return new SentencePieceVocab(p, sc, ty, 1, 2, 0);
    }
}
