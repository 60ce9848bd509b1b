package dev.minerva.model;

import dev.minerva.model.llama2c.Llama2cCheckpoint;
import dev.minerva.model.tokenizer.Llama2cTokenizer;
import dev.minerva.model.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The one entry point that opens a model from disk, whatever its format. Today: llama2.c {@code .bin}
 * checkpoints with a llama2.c {@code tokenizer.bin}. Safetensors folders and {@code .gguf} files are
 * added here by their readers (dispatch on the path, one branch per format).
 */
public final class ModelLoader {
    private ModelLoader() {}

    /**
     * Opens {@code model}; {@code tokenizer} may be {@code null} (then a {@code tokenizer.bin} beside the
     * model is used if present, else the result has no tokenizer).
     *
     * @throws IllegalArgumentException if the path is not a model Minerva can read, naming why
     */
    public static LoadedModel open(Path model, Path tokenizer) throws IOException {
        if (!Files.exists(model)) throw new IllegalArgumentException(model + ": no such file or directory");
        String name = model.getFileName() == null ? "" : model.getFileName().toString();
        if (Files.isRegularFile(model) && name.endsWith(".bin")) {
            Weights w = Llama2cCheckpoint.load(model);
            Path tok = tokenizer;
            if (tok == null) {
                Path sibling = model.resolveSibling("tokenizer.bin");
                if (Files.isRegularFile(sibling)) tok = sibling;
            }
            Tokenizer t = tok == null ? null : openTokenizer(tok, w.config().vocabSize());
            return new LoadedModel(w, t, "llama2c", model);
        }
        throw new IllegalArgumentException(model + ": unrecognised model format (expected a llama2.c .bin checkpoint)");
    }

    /** Opens a tokenizer file for a model with {@code vocabSize} tokens. */
    public static Tokenizer openTokenizer(Path file, int vocabSize) throws IOException {
        String name = file.getFileName() == null ? "" : file.getFileName().toString();
        if (name.endsWith(".bin")) return Llama2cTokenizer.load(file, vocabSize);
        throw new IllegalArgumentException(file + ": unrecognised tokenizer format (expected a llama2.c tokenizer .bin)");
    }
}
