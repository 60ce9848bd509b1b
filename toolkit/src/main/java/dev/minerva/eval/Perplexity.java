package dev.minerva.eval;

import dev.minerva.model.Llama;

/**
 * Perplexity of a token sequence: {@code exp(mean -log p(t_i | t_<i))} over every token after the
 * first, in non-overlapping windows of the model's context (each window restarts the cache, so its
 * first token is only conditioning), prefilled {@code chunk} tokens per forward call.
 */
public final class Perplexity {
    private Perplexity() {}

    /**
     * @param nll    summed negative log-likelihood (nats)
     * @param tokens tokens scored
     */
    public record Result(double nll, long tokens) {
        public double perplexity() { return Math.exp(nll / tokens); }
        public double bitsPerToken() { return nll / tokens / Math.log(2); }
    }

    /** Scores {@code ids} (at least 2); see {@link NextTokenPredictions} for the windowing. */
    public static Result evaluate(Llama model, int[] ids, int chunk) {
        return NextTokenPredictions.of(model, ids, chunk).perplexity();
    }
}
