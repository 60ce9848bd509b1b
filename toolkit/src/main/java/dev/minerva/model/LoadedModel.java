package dev.minerva.model;

import dev.minerva.model.tokenizer.Tokenizer;

import java.nio.file.Path;

/**
 * What {@link ModelLoader#open} returns.
 *
 * @param weights   all tensors under canonical names
 * @param tokenizer the tokenizer, or {@code null} when none was given or found (benchmarks need none)
 * @param format    the file format ({@code llama2c}, {@code safetensors}, {@code gguf})
 * @param source    the model path as given
 */
public record LoadedModel(Weights weights, Tokenizer tokenizer, String format, Path source) {
    public ModelConfig config() { return weights.config(); }
}
