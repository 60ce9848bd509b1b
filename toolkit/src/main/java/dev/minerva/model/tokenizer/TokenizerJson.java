package dev.minerva.model.tokenizer;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.minerva.model.AtomicFile;
import dev.minerva.model.ModelFormatException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Hugging Face {@code tokenizer.json} (BPE models only) ⇄ {@link BpeTokenizer}; and the conversion
 * of a SentencePiece vocabulary with scores (llama2.c {@code tokenizer.bin}) to a Llama-2-style
 * {@code tokenizer.json} whose merges reproduce the score rule exactly.
 */
public final class TokenizerJson {
    private TokenizerJson() {}

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Reads {@code file}. BOS/EOS come from {@code tokenizer_config.json} beside it if present,
     * else {@code config.json}'s {@code bos_token_id}/{@code eos_token_id}, else well-known names
     * ({@code <s>}, {@code </s>}, {@code <|begin_of_text|>}, {@code <|end_of_text|>}).
     *
     * @throws ModelFormatException naming the file and JSON field if it is malformed or not a BPE model
     */
    public static BpeTokenizer read(Path file) throws IOException {
        if (Files.isDirectory(file)) throw new ModelFormatException(file, "tokenizer.json", -1, "is a directory, not a file");
        JsonNode root = parse(file);
        JsonNode model = root.path("model");
        if (!model.isObject()) throw new ModelFormatException(file, "model", -1, "missing or not an object");
        String type = model.path("type").asText("BPE");
        if (!type.equals("BPE")) throw new ModelFormatException(file, "model.type", -1, "is '" + type + "'; only BPE models are supported");
        JsonNode vocab = model.path("vocab");
        if (!vocab.isObject() || vocab.isEmpty()) throw new ModelFormatException(file, "model.vocab", -1, "missing, empty or not an object");
        Map<String, Integer> ids = new LinkedHashMap<>();
        int maxId = -1;
        for (var it = vocab.fields(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getValue().canConvertToInt() || e.getValue().asInt() < 0) {
                throw new ModelFormatException(file, "model.vocab['" + e.getKey() + "']", -1, "id " + e.getValue() + " is not a non-negative integer");
            }
            ids.put(e.getKey(), e.getValue().asInt());
            maxId = Math.max(maxId, e.getValue().asInt());
        }
        Map<String, Integer> added = new HashMap<>();
        List<Integer> specialIds = new ArrayList<>();
        JsonNode at = root.path("added_tokens");
        if (!at.isMissingNode() && !at.isNull() && !at.isArray()) throw new ModelFormatException(file, "added_tokens", -1, "is not an array");
        for (int i = 0; i < at.size(); i++) {
            JsonNode a = at.get(i);
            if (!a.path("id").canConvertToInt() || !a.path("content").isTextual() || a.path("id").asInt() < 0) {
                throw new ModelFormatException(file, "added_tokens[" + i + "]", -1, "needs an integer id >= 0 and a string content");
            }
            int id = a.get("id").asInt();
            ids.put(a.get("content").asText(), id);
            added.put(a.get("content").asText(), id);
            if (a.path("special").asBoolean(false)) specialIds.add(id);
            maxId = Math.max(maxId, id);
        }
        if (maxId >= 16_000_000) throw new ModelFormatException(file, "model.vocab", -1, "token id " + maxId + " is implausibly large");
        String[] pieces = new String[maxId + 1];
        ids.forEach((p, id) -> { if (pieces[id] == null) pieces[id] = p; });
        boolean[] special = new boolean[pieces.length];
        for (int id : specialIds) special[id] = true;

        List<String[]> merges = new ArrayList<>();
        JsonNode ms = model.path("merges");
        if (!ms.isMissingNode() && !ms.isArray()) throw new ModelFormatException(file, "model.merges", -1, "is not an array");
        for (int i = 0; i < ms.size(); i++) {
            JsonNode m = ms.get(i);
            String[] pair;
            if (m.isTextual()) {
                String s = m.asText();
                int sp = s.indexOf(' ', 1);
                pair = sp < 0 ? null : new String[]{s.substring(0, sp), s.substring(sp + 1)};
            } else if (m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual()) {
                pair = new String[]{m.get(0).asText(), m.get(1).asText()};
            } else pair = null;
            if (pair == null) throw new ModelFormatException(file, "model.merges[" + i + "]", -1, "is neither \"a b\" nor [\"a\", \"b\"]: " + m);
            merges.add(pair);
        }

        boolean byteLevel = mentions(root.path("pre_tokenizer"), "ByteLevel") || mentions(root.path("decoder"), "ByteLevel");
        String regex = null;
        if (byteLevel) {
            regex = findSplitRegex(root.path("pre_tokenizer"));
            if (regex == null && usesByteLevelRegex(root.path("pre_tokenizer"))) regex = BpeTokenizer.GPT2_REGEX;
        }
        int unk = model.path("unk_token").isTextual() ? ids.getOrDefault(model.get("unk_token").asText(), -1) : -1;
        int[] be = specialIds(file, ids);
        try {
            return new BpeTokenizer(byteLevel ? BpeTokenizer.Mode.BYTE_LEVEL : BpeTokenizer.Mode.METASPACE, pieces, merges, added, special,
                    regex, model.path("byte_fallback").asBoolean(false), model.path("ignore_merges").asBoolean(false), be[0], be[1], unk);
        } catch (java.util.regex.PatternSyntaxException e) {
            throw new ModelFormatException(file, "pre_tokenizer pattern", -1, "Java cannot compile the regex: " + e.getDescription());
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file, "model.merges", -1, e.getMessage());
        }
    }

    /** A file holding one JSON object; malformed JSON is a {@link ModelFormatException} naming the file and byte offset. */
    public static JsonNode parse(Path file) throws IOException {
        try {
            JsonNode n = JSON.readTree(file.toFile());
            if (n == null || !n.isObject()) throw new ModelFormatException(file, "JSON", 0, "is not a JSON object");
            return n;
        } catch (JacksonException e) {
            long off = e.getLocation() == null ? -1 : e.getLocation().getByteOffset();
            throw new ModelFormatException(file, "JSON", off, "malformed: " + e.getOriginalMessage(), e);
        }
    }

    private static boolean mentions(JsonNode n, String type) {
        if (n == null || n.isMissingNode() || n.isNull()) return false;
        if (type.equals(n.path("type").asText())) return true;
        for (JsonNode c : n.path("pretokenizers")) if (mentions(c, type)) return true;
        for (JsonNode c : n.path("decoders")) if (mentions(c, type)) return true;
        return false;
    }

    private static String findSplitRegex(JsonNode n) {
        if (n == null || n.isMissingNode() || n.isNull()) return null;
        if ("Split".equals(n.path("type").asText()) && n.path("pattern").path("Regex").isTextual()) return n.path("pattern").path("Regex").asText();
        for (JsonNode c : n.path("pretokenizers")) { String r = findSplitRegex(c); if (r != null) return r; }
        return null;
    }

    private static boolean usesByteLevelRegex(JsonNode n) {
        if ("ByteLevel".equals(n.path("type").asText())) return n.path("use_regex").asBoolean(true);
        for (JsonNode c : n.path("pretokenizers")) if (usesByteLevelRegex(c)) return true;
        return false;
    }

    /** {bos, eos} ids from tokenizer_config.json / config.json beside {@code file}, else well-known names. */
    private static int[] specialIds(Path file, Map<String, Integer> ids) throws IOException {
        int bos = -1, eos = -1;
        Path dir = file.toAbsolutePath().getParent();
        Path tc = dir.resolve("tokenizer_config.json");
        if (Files.isRegularFile(tc)) {
            JsonNode c = parse(tc);
            bos = ids.getOrDefault(tokenText(c.path("bos_token")), -1);
            eos = ids.getOrDefault(tokenText(c.path("eos_token")), -1);
        }
        Path cfg = dir.resolve("config.json");
        if ((bos < 0 || eos < 0) && Files.isRegularFile(cfg)) {
            JsonNode c = parse(cfg);
            if (bos < 0 && c.path("bos_token_id").canConvertToInt()) bos = c.get("bos_token_id").asInt();
            if (eos < 0 && c.path("eos_token_id").canConvertToInt()) eos = c.get("eos_token_id").asInt();
        }
        if (bos < 0) bos = ids.getOrDefault("<s>", ids.getOrDefault("<|begin_of_text|>", -1));
        if (eos < 0) eos = ids.getOrDefault("</s>", ids.getOrDefault("<|end_of_text|>", -1));
        return new int[]{bos, eos};
    }

    private static String tokenText(JsonNode n) {
        if (n.isTextual()) return n.asText();
        if (n.path("content").isTextual()) return n.get("content").asText();
        return "";
    }

    /**
     * Merge rules that make rank-based BPE reproduce SentencePiece's score rule on {@code vocab}: for
     * every piece that is the concatenation of two other pieces, the pair {@code (left, right)} gets
     * a rank from the merged piece's score (higher score = lower rank; equal scores by id). Byte pieces
     * never merge.
     */
    public static List<String[]> derivedMerges(SentencePieceVocab vocab) {
        Map<String, Integer> ids = new HashMap<>();
        for (int i = vocab.size() - 1; i >= 0; i--) ids.put(vocab.pieces().get(i), i);
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < vocab.size(); i++) if (vocab.types()[i] != SentencePieceVocab.BYTE) order.add(i);
        order.sort(Comparator.<Integer>comparingDouble(i -> -vocab.scores()[i]).thenComparingInt(i -> i));
        List<String[]> merges = new ArrayList<>();
        for (int id : order) {
            String p = vocab.pieces().get(id);
            if (ids.get(p) != id) continue;  // a duplicate piece: the first id is the one BPE can reach
            for (int k = p.offsetByCodePoints(0, 1); k < p.length(); k = p.offsetByCodePoints(k, 1)) {
                String l = p.substring(0, k), r = p.substring(k);
                Integer li = ids.get(l), ri = ids.get(r);
                if (li != null && ri != null && vocab.types()[li] != SentencePieceVocab.BYTE && vocab.types()[ri] != SentencePieceVocab.BYTE) {
                    merges.add(new String[]{l, r});
                }
            }
        }
        return merges;
    }

    /**
     * Writes a Llama-2-style {@code tokenizer.json} (normalizer: prepend {@code ▁}, replace spaces;
     * BPE with byte fallback and {@link #derivedMerges}; control and unknown pieces as special added
     * tokens) plus {@code tokenizer_config.json} beside it, each atomically.
     */
    public static void writeSentencePiece(SentencePieceVocab vocab, Path file) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode at = root.putArray("added_tokens");
        for (int i = 0; i < vocab.size(); i++) {
            int t = vocab.types()[i];
            if (t == SentencePieceVocab.CONTROL || t == SentencePieceVocab.UNKNOWN) {
                ObjectNode a = at.addObject();
                a.put("id", i).put("content", vocab.pieces().get(i)).put("single_word", false).put("lstrip", false)
                        .put("rstrip", false).put("normalized", false).put("special", true);
            }
        }
        ObjectNode norm = root.putObject("normalizer");
        norm.put("type", "Sequence");
        ArrayNode ns = norm.putArray("normalizers");
        ns.addObject().put("type", "Prepend").put("prepend", String.valueOf(SentencePieceVocab.SPACE));
        ObjectNode rep = ns.addObject().put("type", "Replace");
        rep.putObject("pattern").put("String", " ");
        rep.put("content", String.valueOf(SentencePieceVocab.SPACE));
        root.putNull("pre_tokenizer");
        ObjectNode post = root.putObject("post_processor");
        post.put("type", "TemplateProcessing");
        ArrayNode single = post.putArray("single");
        if (vocab.bos() >= 0) single.addObject().putObject("SpecialToken").put("id", vocab.pieces().get(vocab.bos())).put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        post.putArray("pair");
        ObjectNode st = post.putObject("special_tokens");
        if (vocab.bos() >= 0) {
            String b = vocab.pieces().get(vocab.bos());
            ObjectNode s = st.putObject(b).put("id", b);
            s.putArray("ids").add(vocab.bos());
            s.putArray("tokens").add(b);
        }
        ObjectNode dec = root.putObject("decoder");
        dec.put("type", "Sequence");
        ArrayNode ds = dec.putArray("decoders");
        ObjectNode dr = ds.addObject().put("type", "Replace");
        dr.putObject("pattern").put("String", String.valueOf(SentencePieceVocab.SPACE));
        dr.put("content", " ");
        ds.addObject().put("type", "ByteFallback");
        ds.addObject().put("type", "Fuse");
        ds.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        if (vocab.unk() >= 0) model.put("unk_token", vocab.pieces().get(vocab.unk())); else model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", true);
        model.put("byte_fallback", true);
        model.put("ignore_merges", false);
        ObjectNode v = model.putObject("vocab");
        for (int i = 0; i < vocab.size(); i++) if (!v.has(vocab.pieces().get(i))) v.put(vocab.pieces().get(i), i);
        ArrayNode mj = model.putArray("merges");
        for (String[] m : derivedMerges(vocab)) mj.add(m[0] + " " + m[1]);
        byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
        AtomicFile.write(file, tmp -> Files.write(tmp, bytes));

        ObjectNode tc = JSON.createObjectNode();
        tc.put("tokenizer_class", "LlamaTokenizerFast");
        tc.put("add_bos_token", true).put("add_eos_token", false);
        if (vocab.bos() >= 0) tc.put("bos_token", vocab.pieces().get(vocab.bos()));
        if (vocab.eos() >= 0) tc.put("eos_token", vocab.pieces().get(vocab.eos()));
        if (vocab.unk() >= 0) tc.put("unk_token", vocab.pieces().get(vocab.unk()));
        byte[] tcb = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(tc);
        AtomicFile.write(file.toAbsolutePath().resolveSibling("tokenizer_config.json"), tmp -> Files.write(tmp, tcb));
    }
}
