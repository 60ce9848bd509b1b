package dev.minerva.model.convert;

import dev.minerva.model.LoadedModel;
import dev.minerva.model.ModelFormatException;
import dev.minerva.model.Weights;
import dev.minerva.model.gguf.GgufFile;
import dev.minerva.model.gguf.GgufModel;
import dev.minerva.model.safetensors.SafetensorsModel;
import dev.minerva.model.tokenizer.SentencePieceTokenizer;
import dev.minerva.model.tokenizer.SentencePieceVocab;
import dev.minerva.model.tokenizer.Tokenizer;
import dev.minerva.model.tokenizer.TokenizerJson;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Opens a model in any format Minerva reads, by looking at it: a folder (config.json +
 * safetensors + tokenizer.json), a {@code .safetensors} file (its folder is used), a file starting
 * with the GGUF magic, or else a llama2.c checkpoint (which needs {@code --tokenizer}). A tokenizer
 * given explicitly ({@code tokenizer.bin} or {@code tokenizer.json}) overrides an embedded one.
 */
public final class ModelFiles {
    private ModelFiles() {}

    /** The formats {@link #detect} tells apart. */
    public enum Format { LLAMA2C, SAFETENSORS, GGUF }

    /**
     * The format of {@code model}.
     *
     * @throws ModelFormatException if it is a folder without a model, or does not exist
     */
    public static Format detect(Path model) throws IOException {
        if (!Files.exists(model)) throw new java.nio.file.NoSuchFileException(model.toString(), null, "no such model file or folder");
        if (Files.isDirectory(model)) {
            if (SafetensorsModel.isModelFolder(model)) return Format.SAFETENSORS;
            throw new ModelFormatException(model, "model folder", -1, "is a directory without config.json and model.safetensors (or its index)");
        }
        if (model.getFileName().toString().endsWith(".safetensors")) return Format.SAFETENSORS;
        if (Files.isRegularFile(model) && Files.size(model) >= 4) {
            try (InputStream in = Files.newInputStream(model)) {
                byte[] b = in.readNBytes(4);
                if (ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt() == GgufFile.MAGIC) return Format.GGUF;
            }
        }
        return Format.LLAMA2C;
    }

    /**
     * Opens {@code model} with {@code tokenizer} (may be {@code null} when the model embeds one).
     * The result owns a shared arena holding the mappings; close it when done.
     */
    public static LoadedModel open(Path model, Path tokenizer) throws IOException {
        Arena arena = Arena.ofShared();
        try {
            LoadedModel m = switch (detect(model)) {
                case SAFETENSORS -> SafetensorsModel.load(Files.isDirectory(model) ? model : model.toAbsolutePath().getParent(), arena);
                case GGUF -> GgufModel.load(model, arena);
                case LLAMA2C -> {
                    Weights w = Llama2cWeights.read(model, arena);
                    if (tokenizer == null) throw new ModelFormatException(model, "tokenizer", -1, "a llama2.c checkpoint needs --tokenizer (tokenizer.bin)");
                    yield new LoadedModel(w, null, arena, model, "llama2c");
                }
            };
            Tokenizer tok = tokenizer != null ? readTokenizer(tokenizer) : m.tokenizer();
            if (tok == null) throw new ModelFormatException(model, "tokenizer", -1, "the model has no tokenizer; pass --tokenizer");
            if (tok.vocabSize() != m.config().vocabSize()) {
                throw new ModelFormatException(tokenizer != null ? tokenizer : model, "vocab size", -1,
                        "tokenizer has " + tok.vocabSize() + " tokens, model vocab is " + m.config().vocabSize());
            }
            return new LoadedModel(m.weights(), tok, arena, model, m.format());
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** A tokenizer from {@code tokenizer.json} or llama2.c {@code tokenizer.bin}. */
    public static Tokenizer readTokenizer(Path file) throws IOException {
        if (file.getFileName().toString().endsWith(".json")) return TokenizerJson.read(file);
        return new SentencePieceTokenizer(SentencePieceVocab.readLlama2c(file));
    }
}
