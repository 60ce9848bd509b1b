package dev.minerva.eval;

import dev.minerva.engine.Batch;
import dev.minerva.engine.DenseKvCache;
import dev.minerva.engine.ForwardHooks;
import dev.minerva.engine.KvCache;
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

    /** Scores {@code ids} (at least 2). */
    public static Result evaluate(Llama model, int[] ids, int chunk) {
        if (ids.length < 2) throw new IllegalArgumentException("perplexity needs at least 2 tokens, got " + ids.length);
        int window = model.config().seqLen();
        double nll = 0;
        long count = 0;
        for (int w0 = 0; w0 < ids.length - 1; w0 += window) {
            int w1 = Math.min(ids.length, w0 + window);
            KvCache cache = new DenseKvCache(model.backend(), model.config(), window);
            for (int c0 = w0; c0 < w1 - 1; c0 += chunk) {
                int c1 = Math.min(w1 - 1, c0 + chunk);     // inputs ids[c0..c1), targets ids[c0+1..c1]
                int[] in = java.util.Arrays.copyOfRange(ids, c0, c1);
                float[] logits = model.backend().read(model.forward(Batch.of(0, in, c0 - w0, true), cache, ForwardHooks.NONE));
                int vocab = logits.length / in.length;
                for (int r = 0; r < in.length; r++) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int v = 0; v < vocab; v++) max = Math.max(max, logits[r * vocab + v]);
                    double sum = 0;
                    for (int v = 0; v < vocab; v++) sum += Math.exp(logits[r * vocab + v] - max);
                    nll += Math.log(sum) + max - logits[r * vocab + ids[c0 + r + 1]];
                    count++;
                }
            }
        }
        return new Result(nll, count);
    }
}
