package dev.minerva.model;

import dev.minerva.model.tokenizer.Tokenizer;

import java.nio.file.Path;
import java.util.stream.IntStream;

/**
 * What {@link ModelLoader#open} returns.
 *
 * @param weights   all tensors under canonical names
 * @param tokenizer the tokenizer, or {@code null} when none was given or found (benchmarks need none)
 * @param format    the file format ({@code llama2c}, {@code safetensors}, {@code gguf})
 * @param source    the model path as given
 * @param chat      the chat template and extra end tokens the model's files declare
 */
public record LoadedModel(Weights weights, Tokenizer tokenizer, String format, Path source, ChatSpec chat) {

    /** A model whose files declare no chat template and no end tokens beyond EOS. */
    public LoadedModel(Weights weights, Tokenizer tokenizer, String format, Path source) {
        this(weights, tokenizer, format, source, ChatSpec.NONE);
    }

    public ModelConfig config() { return weights.config(); }

    /** The model's Jinja chat template, or {@code null}. */
    public String chatTemplate() { return chat.template(); }

    /** The same model with another tokenizer (its chat template and end tokens kept). */
    public LoadedModel withTokenizer(Tokenizer t) {
        return new LoadedModel(weights, t, format, source, chat);
    }

    /** The ids generation stops on: the tokenizer's EOS (if any) and the declared end tokens, each once. */
    public int[] stopTokens() {
        IntStream eos = tokenizer == null || tokenizer.eos() < 0 ? IntStream.empty() : IntStream.of(tokenizer.eos());
        return IntStream.concat(eos, IntStream.of(chat.endTokens())).distinct().toArray();
    }
}
