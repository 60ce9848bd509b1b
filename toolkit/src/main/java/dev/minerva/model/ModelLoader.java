package dev.minerva.model;

import dev.minerva.model.gguf.GgufFile;
import dev.minerva.model.gguf.GgufModel;
import dev.minerva.model.llama2c.Llama2cCheckpoint;
import dev.minerva.model.safetensors.SafetensorsModel;
import dev.minerva.model.tokenizer.Llama2cTokenizer;
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
 * The one entry point that opens a model from disk, whatever its format, by looking at the path:
 * <ul>
 * <li>a folder with {@code config.json} and {@code model.safetensors} (or its shard index), or a
 * {@code .safetensors} file inside one → safetensors (tokenizer: {@code tokenizer.json} in the folder);</li>
 * <li>a file that starts with the GGUF magic → GGUF (tokenizer: the embedded vocab);</li>
 * <li>any other regular file → a llama2.c checkpoint (tokenizer: {@code --tokenizer}, or a
 * {@code tokenizer.bin} beside it).</li>
 * </ul>
 * A tokenizer given explicitly ({@code tokenizer.bin} or {@code tokenizer.json}) overrides the embedded one.
 * Safetensors and GGUF files are memory-mapped into an automatic arena (unmapped when the weights
 * become unreachable).
 */
public final class ModelLoader {
    private ModelLoader() {}

    /** The formats {@link #detect} tells apart. */
    public enum Format { LLAMA2C, SAFETENSORS, GGUF }

    /**
     * The format of {@code model}.
     *
     * @throws ModelFormatException if it is a folder without a model
     * @throws IllegalArgumentException if it does not exist
     */
    public static Format detect(Path model) throws IOException {
        if (!Files.exists(model)) throw new IllegalArgumentException(model + ": no such file or directory");
        if (Files.isDirectory(model)) {
            if (SafetensorsModel.isModelFolder(model)) return Format.SAFETENSORS;
            throw new ModelFormatException(model, "model folder", -1, "is a directory without config.json and model.safetensors (or "
                    + "model.safetensors.index.json)");
        }
        String name = model.getFileName() == null ? "" : model.getFileName().toString();
        if (name.endsWith(".safetensors")) return Format.SAFETENSORS;
        if (Files.isRegularFile(model) && Files.size(model) >= 4) {
            try (InputStream in = Files.newInputStream(model)) {
                if (ByteBuffer.wrap(in.readNBytes(4)).order(ByteOrder.LITTLE_ENDIAN).getInt() == GgufFile.MAGIC) return Format.GGUF;
            }
        }
        return Format.LLAMA2C;
    }

    /**
     * Opens {@code model}; {@code tokenizer} may be {@code null} (then the model's own tokenizer, or a
     * {@code tokenizer.bin} beside a llama2.c checkpoint, is used if present, else the result has none).
     *
     * @throws ModelFormatException naming file, field and byte offset when a file is malformed or
     *                              the tokenizer's vocabulary does not match the model's
     * @throws IllegalArgumentException if the path does not exist
     */
    public static LoadedModel open(Path model, Path tokenizer) throws IOException {
        LoadedModel m = switch (detect(model)) {
            case SAFETENSORS -> SafetensorsModel.load(Files.isDirectory(model) ? model : model.toAbsolutePath().getParent(), Arena.ofAuto());
            case GGUF -> GgufModel.load(model, Arena.ofAuto());
            case LLAMA2C -> {
                Weights w = Llama2cCheckpoint.load(model);
                Path tok = tokenizer;
                if (tok == null) {
                    Path sibling = model.toAbsolutePath().resolveSibling("tokenizer.bin");
                    if (Files.isRegularFile(sibling)) tok = sibling;
                }
                yield new LoadedModel(w, tok == null ? null : openTokenizer(tok, w.config().vocabSize()), "llama2c", model);
            }
        };
        Tokenizer tok = m.tokenizer();
        if (tokenizer != null && !m.format().equals("llama2c")) tok = openTokenizer(tokenizer, m.config().vocabSize());
        if (tok != null && tok.vocabSize() != m.config().vocabSize()) {
            throw new ModelFormatException(tokenizer != null ? tokenizer : model, "vocab size", -1,
                    "tokenizer has " + tok.vocabSize() + " tokens, the model's vocab is " + m.config().vocabSize());
        }
        return tok == m.tokenizer() ? m : m.withTokenizer(tok);
    }

    /** Opens a tokenizer file ({@code tokenizer.json}, or llama2.c {@code tokenizer.bin}) for a model with {@code vocabSize} tokens. */
    public static Tokenizer openTokenizer(Path file, int vocabSize) throws IOException {
        String name = file.getFileName() == null ? "" : file.getFileName().toString();
        if (name.endsWith(".json")) return TokenizerJson.read(file);
        return Llama2cTokenizer.load(file, vocabSize);
    }
}
