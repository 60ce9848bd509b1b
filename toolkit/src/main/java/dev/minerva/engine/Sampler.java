package dev.minerva.engine;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from logits: greedy when {@code temperature == 0}, otherwise softmax at
 * {@code temperature}, then top-k, min-p (drop tokens below {@code minP} × the top probability) and
 * top-p (smallest set whose mass reaches {@code topP}) filters, renormalised, sampled with a
 * {@link SplittableRandom} seeded once: the same seed gives the same tokens for the same logits.
 */
public final class Sampler {

    /** A sampled token and its probability under the (filtered, renormalised) sampling distribution. */
    public record Sample(int token, float probability) {}

    private final float temperature, topP, minP;
    private final int topK;
    private final SplittableRandom random;

    /**
     * @param temperature 0 for greedy
     * @param topK        0 to disable
     * @param topP        1 to disable
     * @param minP        0 to disable
     * @param seed        random seed
     */
    public Sampler(float temperature, int topK, float topP, float minP, long seed) {
        if (!(temperature >= 0)) throw new IllegalArgumentException("temperature must be >= 0: " + temperature);
        if (topK < 0) throw new IllegalArgumentException("top-k must be >= 0: " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must be in (0, 1]: " + topP);
        if (!(minP >= 0 && minP < 1)) throw new IllegalArgumentException("min-p must be in [0, 1): " + minP);
        this.temperature = temperature;
        this.topK = topK;
        this.topP = topP;
        this.minP = minP;
        this.random = new SplittableRandom(seed);
    }

    /** The greedy sampler. */
    public static Sampler greedy() { return new Sampler(0, 0, 1, 0, 0); }

    public boolean isGreedy() { return temperature == 0; }

    /** Samples from {@code logits} (vocab), which is not modified. */
    public Sample sample(float[] logits) {
        int n = logits.length;
        if (temperature == 0) {
            int best = 0;
            for (int i = 1; i < n; i++) if (logits[i] > logits[best]) best = i;
            return new Sample(best, (float) softmaxOfArgmax(logits, best));
        }
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) max = Math.max(max, l);
        double[] p = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) { p[i] = Math.exp((logits[i] - max) / temperature); sum += p[i]; }
        for (int i = 0; i < n; i++) p[i] /= sum;
        Integer[] order = null;
        boolean filter = topK > 0 && topK < n || topP < 1 || minP > 0;
        if (filter) {
            order = new Integer[n];
            for (int i = 0; i < n; i++) order[i] = i;
            double[] pp = p;
            Arrays.sort(order, (a, b) -> pp[b] != pp[a] ? Double.compare(pp[b], pp[a]) : Integer.compare(a, b));
            int keep = topK > 0 ? Math.min(topK, n) : n;
            double floor = minP * p[order[0]];
            double mass = 0;
            int k = 0;
            while (k < keep) {
                if (p[order[k]] < floor) break;
                mass += p[order[k]];
                k++;
                if (mass >= topP) break;
            }
            keep = Math.max(1, k);
            double kept = 0;
            for (int i = 0; i < keep; i++) kept += p[order[i]];
            double r = random.nextDouble() * kept;
            double cdf = 0;
            for (int i = 0; i < keep; i++) {
                cdf += p[order[i]];
                if (r < cdf) return new Sample(order[i], (float) (p[order[i]] / kept));
            }
            return new Sample(order[keep - 1], (float) (p[order[keep - 1]] / kept));
        }
        double r = random.nextDouble();
        double cdf = 0;
        for (int i = 0; i < n; i++) {
            cdf += p[i];
            if (r < cdf) return new Sample(i, (float) p[i]);
        }
        int last = n - 1;
        while (last > 0 && p[last] == 0) last--;
        return new Sample(last, (float) p[last]);
    }

    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;

    /**
     * {@code softmax(logits)[best]} for the argmax {@code best}: {@code 1 / sum_j exp(l_j - l_best)}. Greedy
     * decoding reports it every step, so it runs on the Vector API (a 32K-vocabulary step costs ~30 us
     * instead of ~500 us of scalar {@code Math.exp}); float partial sums of 512 terms go into a double.
     */
    private static double softmaxOfArgmax(float[] logits, int best) {
        float max = logits[best];
        int n = logits.length, L = FS.length(), j = 0;
        double sum = 0;
        for (int bound = FS.loopBound(n); j < bound; ) {
            FloatVector acc = FloatVector.zero(FS);
            for (int end = Math.min(bound, j + 64 * L); j < end; j += L) {
                acc = acc.add(FloatVector.fromArray(FS, logits, j).sub(max).lanewise(VectorOperators.EXP));
            }
            sum += acc.reduceLanes(VectorOperators.ADD);
        }
        for (; j < n; j++) sum += Math.exp(logits[j] - max);
        return 1.0 / sum;
    }
}
