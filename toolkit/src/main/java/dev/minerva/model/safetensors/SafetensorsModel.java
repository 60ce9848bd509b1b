package dev.minerva.model.safetensors;

import dev.minerva.model.AtomicFile;
import dev.minerva.model.ChatSpec;
import dev.minerva.model.HfConfig;
import dev.minerva.model.LoadedModel;
import dev.minerva.model.ModelConfig;
import dev.minerva.model.ModelFormatException;
import dev.minerva.model.OutputTensor;
import dev.minerva.model.Weights;
import dev.minerva.model.tokenizer.SentencePieceVocab;
import dev.minerva.model.tokenizer.Tokenizer;
import dev.minerva.model.tokenizer.TokenizerJson;
import dev.minerva.tensor.DType;
import dev.minerva.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * A Hugging Face Llama model folder ({@code config.json}, {@code model.safetensors} or shards,
 * {@code tokenizer.json}) ⇄ canonical {@link Weights}. The rows of {@code wq}/{@code wk} are stored
 * in HF's rotate-half order and converted to llama2.c's interleaved order on load
 * ({@link HfRopeOrder}); every other tensor stays a view of the mapped file.
 */
public final class SafetensorsModel {
    private SafetensorsModel() {}

    public static final String CONFIG = "config.json";
    public static final String TOKENIZER = "tokenizer.json";

    /** True if {@code dir} looks like a model folder (has config.json and safetensors). */
    public static boolean isModelFolder(Path dir) {
        return Files.isDirectory(dir) && Files.isRegularFile(dir.resolve(CONFIG))
                && (Files.isRegularFile(dir.resolve(SafetensorsCheckpoint.SINGLE)) || Files.isRegularFile(dir.resolve(SafetensorsCheckpoint.INDEX)));
    }

    /**
     * Loads the folder {@code dir}; the tokenizer is {@code tokenizer.json} in it (or {@code null} if absent).
     * Mappings and the re-ordered q/k copies live in {@code arena}.
     *
     * @throws ModelFormatException naming file, tensor and offset for any malformed or mismatched part
     */
    public static LoadedModel load(Path dir, Arena arena) throws IOException {
        Path cfgFile = dir.resolve(CONFIG);
        if (!Files.isRegularFile(cfgFile)) throw new ModelFormatException(dir, CONFIG, -1, "the model folder has no config.json");
        ModelConfig cfg;
        try {
            cfg = HfConfig.read(cfgFile);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(cfgFile, "config", -1, e.getMessage(), e);
        }
        SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(dir, arena);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (String hf : ck.names()) {
            String canon = HfTensorNames.toCanonical(hf);
            if (canon == null) continue;
            if (canon.equals("wcls") && cfg.tiedEmbeddings()) continue;
            Tensor t = ck.tensor(hf).renamed(canon);
            if (canon.endsWith(".wq") || canon.endsWith(".wk")) {
                t = toMetaOrder(ck.fileOf(hf).file(), hf, t, cfg.headSize(), arena);
            }
            tensors.put(canon, t);
        }
        if (!cfg.tiedEmbeddings() && !tensors.containsKey("wcls")) {
            throw new ModelFormatException(dir, "lm_head.weight", -1, "missing, and config.json says tie_word_embeddings = false");
        }
        Weights w;
        try {
            w = new Weights(cfg, tensors);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(dir, "tensors vs config.json", -1, e.getMessage(), e);
        }
        Tokenizer tok = null;
        Path tj = dir.resolve(TOKENIZER);
        if (Files.isRegularFile(tj)) {
            tok = TokenizerJson.read(tj);
            if (tok.vocabSize() > cfg.vocabSize()) {
                throw new ModelFormatException(tj, "vocab", -1, "has " + tok.vocabSize() + " tokens but config.json vocab_size is " + cfg.vocabSize());
            }
        }
        return new LoadedModel(w, tok, "safetensors", dir, new ChatSpec(HfChatFiles.chatTemplate(dir), HfChatFiles.endTokens(dir, cfg.vocabSize())));
    }

    /** Copies {@code t} (HF row order) into {@code arena} in llama2.c row order. */
    private static Tensor toMetaOrder(Path file, String hf, Tensor t, int headSize, Arena arena) throws ModelFormatException {
        if (t.rank() != 2 || t.dim(0) % headSize != 0 || headSize % 2 != 0) {
            throw new ModelFormatException(file, "tensor '" + hf + "' shape", -1, java.util.Arrays.toString(t.shape())
                    + " is not (heads*" + headSize + ", dim)");
        }
        long rowBytes = t.dtype().byteSize(t.cols());
        MemorySegment dst = arena.allocate(t.byteSize(), 64);
        for (long m = 0; m < t.rows(); m++) {
            MemorySegment.copy(t.data(), HfRopeOrder.metaRowToHf(m, headSize) * rowBytes, dst, m * rowBytes, rowBytes);
        }
        return Tensor.of(t.name(), t.dtype(), t.shape(), dst);
    }

    /**
     * Writes a model folder {@code dir} atomically: config.json, model.safetensors (HF names, wq/wk rows
     * in HF order), if {@code vocab} is given tokenizer.json + tokenizer_config.json, and what {@code chat} holds
     * ({@link HfChatFiles#write}).
     *
     * @param tensors canonical tensors in llama2.c row order, each with its output dtype
     */
    public static void write(Path dir, ModelConfig cfg, List<OutputTensor> tensors, SentencePieceVocab vocab, ChatSpec chat, LongConsumer progress) throws IOException {
        List<OutputTensor> hf = new ArrayList<>();
        DType main = DType.F32;
        for (OutputTensor t : tensors) {
            OutputTensor.RowSource rows = t.rows();
            if (t.name().endsWith(".wq") || t.name().endsWith(".wk")) {
                int hs = cfg.headSize();
                rows = (r, out) -> t.rows().row(HfRopeOrder.hfRowToMeta(r, hs), out);
            }
            if (t.name().endsWith(".wq")) main = t.dtype();
            hf.add(new OutputTensor(HfTensorNames.toHf(t.name()), t.dtype(), t.shape(), rows));
        }
        String torchDtype = switch (main) { case F16 -> "float16"; case BF16 -> "bfloat16"; default -> "float32"; };
        AtomicFile.write(dir, tmp -> {
            Files.createDirectories(tmp);
            ConfigJson.write(cfg, vocab == null ? -1 : vocab.bos(), vocab == null ? -1 : vocab.eos(), torchDtype, tmp.resolve(CONFIG));
            if (vocab != null) TokenizerJson.writeSentencePiece(vocab, tmp.resolve(TOKENIZER));
            HfChatFiles.write(tmp, chat, vocab == null ? -1 : vocab.eos());
            SafetensorsWriter.write(tmp.resolve(SafetensorsCheckpoint.SINGLE), hf, Map.of("format", "pt"), progress);
        });
    }
}
