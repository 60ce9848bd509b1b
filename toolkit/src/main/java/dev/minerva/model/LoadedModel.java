package dev.minerva.model;

import dev.minerva.model.tokenizer.Tokenizer;

import java.lang.foreign.Arena;
import java.nio.file.Path;

/**
 * Weights and tokenizer read from model files, with the arena that owns their (usually
 * memory-mapped) storage: closing it unmaps the files, after which the tensors must not be used.
 *
 * @param source the file or folder read
 * @param format "llama2c", "safetensors" or "gguf"
 */
public record LoadedModel(Weights weights, Tokenizer tokenizer, Arena arena, Path source, String format) implements AutoCloseable {
    public ModelConfig config() { return weights.config(); }

    @Override public void close() { arena.close(); }
}
