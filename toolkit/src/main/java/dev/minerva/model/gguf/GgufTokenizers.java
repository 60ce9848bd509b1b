package dev.minerva.model.gguf;

import dev.minerva.model.ModelFormatException;
import dev.minerva.model.tokenizer.BpeTokenizer;
import dev.minerva.model.tokenizer.SentencePieceTokenizer;
import dev.minerva.model.tokenizer.SentencePieceVocab;
import dev.minerva.model.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tokenizer embedded in GGUF metadata ⇄ Minerva tokenizers: {@code tokenizer.ggml.model =
 * "llama"} (tokens, scores, token_type: SentencePiece by scores) or {@code "gpt2"} (tokens, merges:
 * byte-level BPE; {@code tokenizer.ggml.pre = "llama-bpe"} selects Llama 3's pre-tokenizer regex).
 */
public final class GgufTokenizers {
    private GgufTokenizers() {}

    /** Llama 3's pre-tokenizer split pattern (from its published tokenizer.json). */
    public static final String LLAMA3_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** Metadata for a SentencePiece vocab (llama2.c / Llama 2 style). */
    public static Map<String, GgufValue> metadata(SentencePieceVocab v) {
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put("tokenizer.ggml.model", GgufValue.string("llama"));
        m.put("tokenizer.ggml.tokens", GgufValue.strings(v.pieces().toArray(String[]::new)));
        m.put("tokenizer.ggml.scores", GgufValue.floats(v.scores().clone()));
        long[] types = new long[v.size()];
        for (int i = 0; i < types.length; i++) types[i] = v.types()[i];
        m.put("tokenizer.ggml.token_type", GgufValue.ints(GgufType.INT32, types));
        if (v.bos() >= 0) m.put("tokenizer.ggml.bos_token_id", GgufValue.u32(v.bos()));
        if (v.eos() >= 0) m.put("tokenizer.ggml.eos_token_id", GgufValue.u32(v.eos()));
        if (v.unk() >= 0) m.put("tokenizer.ggml.unknown_token_id", GgufValue.u32(v.unk()));
        m.put("tokenizer.ggml.add_bos_token", GgufValue.bool(true));
        m.put("tokenizer.ggml.add_eos_token", GgufValue.bool(false));
        return m;
    }

    /**
     * The tokenizer in {@code f}'s metadata, or {@code null} if it has none.
     *
     * @throws ModelFormatException naming the key if arrays are missing, mistyped or of different lengths
     */
    public static Tokenizer read(GgufFile f) throws ModelFormatException {
        Map<String, GgufValue> m = f.metadata();
        GgufValue model = m.get("tokenizer.ggml.model");
        if (model == null) return null;
        String[] tokens = strings(f, "tokenizer.ggml.tokens");
        int n = tokens.length;
        int bos = id(f, "tokenizer.ggml.bos_token_id", n), eos = id(f, "tokenizer.ggml.eos_token_id", n), unk = id(f, "tokenizer.ggml.unknown_token_id", n);
        int[] types = new int[n];
        java.util.Arrays.fill(types, SentencePieceVocab.NORMAL);
        GgufValue tt = m.get("tokenizer.ggml.token_type");
        if (tt != null) {
            if (tt.type() != GgufType.ARRAY || !(tt.value() instanceof long[] a)) throw bad(f, "tokenizer.ggml.token_type", "is " + tt + ", not an integer array");
            if (a.length != n) throw bad(f, "tokenizer.ggml.token_type", "has " + a.length + " entries for " + n + " tokens");
            for (int i = 0; i < n; i++) types[i] = (int) a[i];
        }
        switch (String.valueOf(model.value())) {
            case "llama" -> {
                GgufValue sc = m.get("tokenizer.ggml.scores");
                if (sc == null || !(sc.value() instanceof float[] scores)) throw bad(f, "tokenizer.ggml.scores", "missing or not a float32 array");
                if (scores.length != n) throw bad(f, "tokenizer.ggml.scores", "has " + scores.length + " entries for " + n + " tokens");
                return new SentencePieceTokenizer(new SentencePieceVocab(List.of(tokens), scores.clone(), types, bos, eos, unk));
            }
            case "gpt2" -> {
                String[] merges = strings(f, "tokenizer.ggml.merges");
                List<String[]> pairs = new ArrayList<>(merges.length);
                for (int i = 0; i < merges.length; i++) {
                    int sp = merges[i].indexOf(' ', 1);
                    if (sp < 0) throw bad(f, "tokenizer.ggml.merges[" + i + "]", "'" + merges[i] + "' is not 'left right'");
                    pairs.add(new String[]{merges[i].substring(0, sp), merges[i].substring(sp + 1)});
                }
                Map<String, Integer> added = new HashMap<>();
                boolean[] special = new boolean[n];
                for (int i = 0; i < n; i++) {
                    if (types[i] == SentencePieceVocab.CONTROL || types[i] == SentencePieceVocab.USER_DEFINED) added.put(tokens[i], i);
                    special[i] = types[i] == SentencePieceVocab.CONTROL;
                }
                GgufValue pre = m.get("tokenizer.ggml.pre");
                boolean llama3 = pre != null && "llama-bpe".equals(pre.value());
                try {
                    return new BpeTokenizer(BpeTokenizer.Mode.BYTE_LEVEL, tokens, pairs, added, special,
                            llama3 ? LLAMA3_REGEX : BpeTokenizer.GPT2_REGEX, false, llama3, bos, eos, unk);
                } catch (IllegalArgumentException e) {
                    throw bad(f, "tokenizer.ggml.merges", e.getMessage());
                }
            }
            default -> throw bad(f, "tokenizer.ggml.model", "'" + model.value() + "' is not supported (llama, gpt2)");
        }
    }

    private static ModelFormatException bad(GgufFile f, String key, String problem) {
        return new ModelFormatException(f.file(), "metadata '" + key + "'", -1, problem);
    }

    private static String[] strings(GgufFile f, String key) throws ModelFormatException {
        GgufValue v = f.metadata().get(key);
        if (v == null || !(v.value() instanceof String[] s)) throw bad(f, key, "missing or not a string array");
        return s;
    }

    /** The token id under {@code key}, or -1 if absent; one that is not an integer below {@code n} is an error naming the key. */
    static int id(GgufFile f, String key, int n) throws ModelFormatException {
        GgufValue v = f.metadata().get(key);
        if (v == null) return -1;
        if (!(v.value() instanceof Long l) || l < 0 || l >= n) throw bad(f, key, "is " + v + ", not a token id below " + n);
        return (int) (long) l;
    }
}
