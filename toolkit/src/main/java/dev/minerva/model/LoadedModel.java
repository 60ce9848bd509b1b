package dev.minerva.model;

import dev.minerva.model.tokenizer.Tokenizer;

import java.nio.file.Path;
import java.util.stream.IntStream;

/**
 * What {@link ModelLoader#open} returns.
 *
 * @param weights      all tensors under canonical names
 * @param tokenizer    the tokenizer, or {@code null} when none was given or found (benchmarks need none)
 * @param format       the file format ({@code llama2c}, {@code safetensors}, {@code gguf})
 * @param source       the model path as given
 * @param chatTemplate the model's Jinja chat template, or {@code null} if its files carry none
 * @param endTokens    ids the model's files declare as ending a generation besides the tokenizer's EOS
 *                     (Llama 3 Instruct ends turns with {@code <|eot_id|>}, its EOS is {@code <|end_of_text|>})
 */
public record LoadedModel(Weights weights, Tokenizer tokenizer, String format, Path source, String chatTemplate, int[] endTokens) {

    public LoadedModel {
        endTokens = endTokens.clone();
    }

    /** A model whose files declare no chat template and no end tokens beyond EOS. */
    public LoadedModel(Weights weights, Tokenizer tokenizer, String format, Path source) {
        this(weights, tokenizer, format, source, null, new int[0]);
    }

    public ModelConfig config() { return weights.config(); }

    @Override public int[] endTokens() { return endTokens.clone(); }

    /** The same model with another tokenizer (its declared template and end tokens kept). */
    public LoadedModel withTokenizer(Tokenizer t) {
        return new LoadedModel(weights, t, format, source, chatTemplate, endTokens);
    }

    /** The ids generation stops on: the tokenizer's EOS (if any) and {@link #endTokens}, each once. */
    public int[] stopTokens() {
        IntStream eos = tokenizer == null || tokenizer.eos() < 0 ? IntStream.empty() : IntStream.of(tokenizer.eos());
        return IntStream.concat(eos, IntStream.of(endTokens)).distinct().toArray();
    }
}
