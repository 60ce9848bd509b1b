package dev.minerva.model.gguf;

import dev.minerva.model.ChatSpec;
import dev.minerva.model.LoadedModel;
import dev.minerva.model.ModelConfig;
import dev.minerva.model.ModelFormatException;
import dev.minerva.model.OutputTensor;
import dev.minerva.model.Weights;
import dev.minerva.model.tokenizer.SentencePieceVocab;
import dev.minerva.model.tokenizer.Tokenizer;
import dev.minerva.tensor.DType;
import dev.minerva.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * A llama.cpp-style GGUF model ⇄ canonical {@link Weights}: {@code {arch}.*} metadata → {@link ModelConfig},
 * {@code blk.*} tensors → canonical names (views of the mapping, no copies), embedded vocab → tokenizer.
 */
public final class GgufModel {
    private GgufModel() {}

    /** llama.cpp's {@code general.file_type} for the dominant tensor type. */
    static int fileType(DType t) {
        return switch (t) { case F32 -> 0; case F16 -> 1; case Q4_0 -> 2; case Q8_0 -> 7; case BF16 -> 32; };
    }

    /** The model config from {@code f}'s metadata; {@code vocab} from {@code {arch}.vocab_size}, else the token list, else token_embd. */
    public static ModelConfig config(GgufFile f) throws ModelFormatException {
        Map<String, GgufValue> m = f.metadata();
        GgufValue archV = m.get("general.architecture");
        String arch = archV == null ? "llama" : String.valueOf(archV.value());
        if (!arch.equals("llama") && !arch.equals("mistral")) {
            throw new ModelFormatException(f.file(), "metadata 'general.architecture'", -1, "is '" + arch + "'; Minerva runs llama-architecture GGUF files");
        }
        int dim = intKey(f, arch + ".embedding_length", -1);
        int heads = intKey(f, arch + ".attention.head_count", -1);
        int vocab;
        if (m.containsKey(arch + ".vocab_size")) vocab = intKey(f, arch + ".vocab_size", -1);
        else if (m.get("tokenizer.ggml.tokens") != null && m.get("tokenizer.ggml.tokens").value() instanceof String[] s) vocab = s.length;
        else if (f.has("token_embd.weight")) vocab = (int) f.tensorInfos().get("token_embd.weight").dims()[1];
        else throw new ModelFormatException(f.file(), "metadata '" + arch + ".vocab_size'", -1, "missing, and no token list or token_embd.weight to infer it from");
        if (m.containsKey(arch + ".rope.dimension_count") && intKey(f, arch + ".rope.dimension_count", -1) != dim / Math.max(1, heads)) {
            throw new ModelFormatException(f.file(), "metadata '" + arch + ".rope.dimension_count'", -1, "partial rotary embeddings are not supported");
        }
        try {
            return new ModelConfig(dim, intKey(f, arch + ".feed_forward_length", -1), intKey(f, arch + ".block_count", -1), heads,
                    intKey(f, arch + ".attention.head_count_kv", heads), vocab, intKey(f, arch + ".context_length", -1),
                    numKey(f, arch + ".rope.freq_base", 10000.0), numKey(f, arch + ".attention.layer_norm_rms_epsilon", 1e-5),
                    !f.has("output.weight"), null);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(f.file(), "metadata '" + arch + ".*'", -1, e.getMessage(), e);
        }
    }

    private static int intKey(GgufFile f, String key, int dflt) throws ModelFormatException {
        GgufValue v = f.metadata().get(key);
        if (v == null) {
            if (dflt >= 0) return dflt;
            throw new ModelFormatException(f.file(), "metadata '" + key + "'", -1, "missing");
        }
        if (!(v.value() instanceof Long l) || l < 0 || l > Integer.MAX_VALUE) throw new ModelFormatException(f.file(), "metadata '" + key + "'", -1, "is " + v + ", not a non-negative 32-bit integer");
        return (int) (long) l;
    }

    private static double numKey(GgufFile f, String key, double dflt) throws ModelFormatException {
        GgufValue v = f.metadata().get(key);
        if (v == null) return dflt;
        if (!(v.value() instanceof Number n)) throw new ModelFormatException(f.file(), "metadata '" + key + "'", -1, "is " + v + ", not a number");
        // a FLOAT32 1e-5 reads back as 9.99999974e-6; take the shortest decimal that rounds to the same float
        if (n instanceof Float x) return Double.parseDouble(Float.toString(x));
        return n.doubleValue();
    }

    /**
     * Loads {@code file} (its embedded tokenizer too, or {@code null} if none), mapped into {@code arena}.
     *
     * @throws ModelFormatException naming file, key or tensor and byte offset for anything malformed or mismatched
     */
    public static LoadedModel load(Path file, Arena arena) throws IOException {
        GgufFile f = GgufFile.open(file, arena);
        ModelConfig cfg = config(f);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (String name : f.tensorInfos().keySet()) {
            String canon = GgufTensorNames.toCanonical(name);
            if (canon != null) tensors.put(canon, f.tensor(name).renamed(canon));
        }
        Weights w;
        try {
            w = new Weights(cfg, tensors);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file, "tensors vs metadata", -1, e.getMessage(), e);
        }
        Tokenizer tok = GgufTokenizers.read(f);
        if (tok != null && tok.vocabSize() != cfg.vocabSize()) {
            throw new ModelFormatException(file, "metadata 'tokenizer.ggml.tokens'", -1, "has " + tok.vocabSize() + " tokens but the model's vocab is " + cfg.vocabSize());
        }
        return new LoadedModel(w, tok, "gguf", file, new ChatSpec(chatTemplate(f), endTokens(f, cfg.vocabSize())));
    }

    /**
     * Writes a GGUF v3 file atomically.
     *
     * @param tensors canonical tensors (llama2.c row order, which is GGUF's), each with its output dtype
     * @param vocab   embedded as a {@code llama} tokenizer if not {@code null}
     * @param chat    its template as {@code tokenizer.chat_template}; its first two end tokens as
     *                {@code tokenizer.ggml.eot_token_id} and {@code eom_token_id} (GGUF has no key for more)
     */
    public static void write(Path file, String name, ModelConfig cfg, List<OutputTensor> tensors, SentencePieceVocab vocab, ChatSpec chat, LongConsumer progress) throws IOException {
        Map<String, GgufValue> m = new LinkedHashMap<>();
        DType main = tensors.stream().filter(t -> t.name().endsWith(".wq")).map(OutputTensor::dtype).findFirst().orElse(DType.F32);
        m.put("general.architecture", GgufValue.string("llama"));
        m.put("general.name", GgufValue.string(name));
        m.put("general.alignment", GgufValue.u32(GgufFile.DEFAULT_ALIGNMENT));
        m.put("general.file_type", GgufValue.u32(fileType(main)));
        m.put("llama.context_length", GgufValue.u32(cfg.seqLen()));
        m.put("llama.embedding_length", GgufValue.u32(cfg.dim()));
        m.put("llama.block_count", GgufValue.u32(cfg.nLayers()));
        m.put("llama.feed_forward_length", GgufValue.u32(cfg.hiddenDim()));
        m.put("llama.rope.dimension_count", GgufValue.u32(cfg.headSize()));
        m.put("llama.attention.head_count", GgufValue.u32(cfg.nHeads()));
        m.put("llama.attention.head_count_kv", GgufValue.u32(cfg.nKvHeads()));
        m.put("llama.attention.layer_norm_rms_epsilon", GgufValue.f32((float) cfg.rmsEps()));
        m.put("llama.rope.freq_base", GgufValue.f32((float) cfg.ropeTheta()));
        m.put("llama.vocab_size", GgufValue.u32(cfg.vocabSize()));
        if (vocab != null) m.putAll(GgufTokenizers.metadata(vocab));
        if (chat.template() != null) m.put("tokenizer.chat_template", GgufValue.string(chat.template()));
        int[] ends = chat.endTokens();
        for (int i = 0; i < Math.min(END_KEYS.length, ends.length); i++) m.put(END_KEYS[i], GgufValue.u32(ends[i]));
        List<OutputTensor> out = new ArrayList<>();
        for (OutputTensor t : tensors) out.add(new OutputTensor(GgufTensorNames.toGguf(t.name()), t.dtype(), t.shape(), t.rows()));
        GgufWriter.write(file, m, out, progress);
    }

    private static final String[] END_KEYS = {"tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id"};

    /** {@code tokenizer.chat_template}, or {@code null}. */
    static String chatTemplate(GgufFile f) throws ModelFormatException {
        GgufValue v = f.metadata().get("tokenizer.chat_template");
        if (v == null) return null;
        if (!(v.value() instanceof String s)) throw new ModelFormatException(f.file(), "metadata 'tokenizer.chat_template'", -1, "is " + v + ", not a string");
        return s;
    }

    /** The end-of-turn and end-of-message ids llama.cpp writes ({@code tokenizer.ggml.eot_token_id}, {@code eom_token_id}). */
    static int[] endTokens(GgufFile f, int vocabSize) throws ModelFormatException {
        List<Integer> ids = new ArrayList<>();
        for (String key : END_KEYS) {
            int id = GgufTokenizers.id(f, key, vocabSize);
            if (id >= 0) ids.add(id);
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }
}
