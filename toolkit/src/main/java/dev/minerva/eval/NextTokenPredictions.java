package dev.minerva.eval;

import dev.minerva.engine.Batch;
import dev.minerva.engine.DenseKvCache;
import dev.minerva.engine.ForwardHooks;
import dev.minerva.engine.KvCache;
import dev.minerva.model.Llama;

import java.util.Arrays;

/**
 * A model's next-token predictions over a token sequence: for every token after the first, its
 * negative log-likelihood and the model's top-1 (argmax) prediction at the position before it. The
 * sequence is read in non-overlapping windows of the model's context (each window restarts the
 * cache, so its first token is only conditioning), prefilled {@code chunk} tokens per forward call.
 * Perplexity and top-1 agreement between two models both come from here.
 *
 * @param nll    per scored token, nats (N = scored tokens)
 * @param argmax per scored token, the model's most likely id at that position (ties: lowest id)
 */
public record NextTokenPredictions(double[] nll, int[] argmax) {

    /** Scores {@code ids} (at least 2). */
    public static NextTokenPredictions of(Llama model, int[] ids, int chunk) {
        if (ids.length < 2) throw new IllegalArgumentException("scoring needs at least 2 tokens, got " + ids.length);
        if (chunk < 1) throw new IllegalArgumentException("chunk must be ≥ 1, got " + chunk);
        int window = model.config().seqLen();
        double[] nll = new double[ids.length];
        int[] argmax = new int[ids.length];
        int count = 0;
        for (int w0 = 0; w0 < ids.length - 1; w0 += window) {
            int w1 = Math.min(ids.length, w0 + window);
            KvCache cache = new DenseKvCache(model.backend(), model.config(), window);
            for (int c0 = w0; c0 < w1 - 1; c0 += chunk) {
                int c1 = Math.min(w1 - 1, c0 + chunk);     // inputs ids[c0..c1), targets ids[c0+1..c1]
                int[] in = Arrays.copyOfRange(ids, c0, c1);
                float[] logits = model.backend().read(model.forward(Batch.of(0, in, c0 - w0, true), cache, ForwardHooks.NONE));
                int vocab = logits.length / in.length;
                for (int r = 0; r < in.length; r++) {
                    int off = r * vocab, best = 0;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int v = 0; v < vocab; v++) {
                        if (logits[off + v] > max) { max = logits[off + v]; best = v; }
                    }
                    double sum = 0;
                    for (int v = 0; v < vocab; v++) sum += Math.exp(logits[off + v] - max);
                    nll[count] = Math.log(sum) + max - logits[off + ids[c0 + r + 1]];
                    argmax[count] = best;
                    count++;
                }
            }
            cache.free(0);
        }
        return new NextTokenPredictions(Arrays.copyOf(nll, count), Arrays.copyOf(argmax, count));
    }

    /** Tokens scored. */
    public int tokens() { return nll.length; }

    /** Summed NLL and count as a {@link Perplexity.Result}. */
    public Perplexity.Result perplexity() {
        double s = 0;
        for (double v : nll) s += v;
        return new Perplexity.Result(s, nll.length);
    }

    /**
     * Fraction of positions where this model's top-1 prediction equals {@code reference}'s.
     *
     * @throws IllegalArgumentException if the two scored different numbers of tokens
     */
    public double top1Agreement(NextTokenPredictions reference) {
        if (reference.argmax.length != argmax.length) {
            throw new IllegalArgumentException("predictions over " + argmax.length + " and " + reference.argmax.length + " tokens cannot be compared");
        }
        int same = 0;
        for (int i = 0; i < argmax.length; i++) if (argmax[i] == reference.argmax[i]) same++;
        return (double) same / argmax.length;
    }
}
