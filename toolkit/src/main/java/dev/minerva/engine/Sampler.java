package dev.minerva.engine;

import jdk.incubator.vector.DoubleVector;
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
    private final long seed;
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
        this.seed = seed;
        this.random = new SplittableRandom(seed);
    }

    /** The greedy sampler. */
    public static Sampler greedy() { return new Sampler(0, 0, 1, 0, 0); }

    public boolean isGreedy() { return temperature == 0; }

    public float temperature() { return temperature; }

    public int topK() { return topK; }

    public float topP() { return topP; }

    public float minP() { return minP; }

    /** The seed it was made with (a device sampler seeds its own generator with it). */
    public long seed() { return seed; }

    /**
     * Samples each of the {@code rows} rows of {@code logits} (rows × vocab, a batch's logits read back), in row
     * order, so a seeded sampler draws the same tokens as {@link #sample} on each row in turn.
     */
    public Sample[] sampleRows(float[] logits, int rows) {
        if (rows < 1 || logits.length % rows != 0) throw new IllegalArgumentException(logits.length + " logits are not " + rows + " rows");
        int vocab = logits.length / rows;
        Sample[] picks = new Sample[rows];
        for (int i = 0; i < rows; i++) picks[i] = sample(java.util.Arrays.copyOfRange(logits, i * vocab, (i + 1) * vocab));
        return picks;
    }

    /** Samples from {@code logits} (vocab), which is not modified. */
    public Sample sample(float[] logits) {
        int n = logits.length;
        if (temperature == 0) {
            int best = 0;
            for (int i = 1; i < n; i++) if (logits[i] > logits[best]) best = i;
            return new Sample(best, (float) softmaxOfArgmax(logits, best));
        }
        double[] p = probabilities(logits);
        boolean filter = topK > 0 && topK < n || topP < 1 || minP > 0;
        if (filter) {
            Integer[] order = candidates(p);
            int keep = topK > 0 ? Math.min(topK, order.length) : order.length;
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

    /**
     * The tokens the filters might keep, best first (probability descending, id ascending). Sorting the
     * whole vocabulary of boxed ids cost ~10 ms per 32K-token step, so a probability floor drops the
     * tokens that cannot be kept before anything is sorted; the floor is the largest of
     * <ul>
     *   <li>min-p's floor {@code minP * p_max};</li>
     *   <li>the k-th largest probability (a heap of k doubles), for top-k;</li>
     *   <li>for top-p, a lower bound of the nucleus's smallest probability: bisection for a {@code tau}
     *       with {@code mass(p >= tau) >= topP} (the nucleus is the shortest best-first prefix reaching
     *       topP, so every token it keeps has {@code p >= tau} for any such tau up to its last one).</li>
     * </ul>
     * Ties at the floor are kept, so the sorted candidates start exactly like the whole sorted vocabulary.
     */
    private Integer[] candidates(double[] p) {
        int n = p.length, best = 0;
        for (int i = 1; i < n; i++) if (p[i] > p[best]) best = i;
        double cut = minP * p[best];
        if (topK > 0 && topK < n) cut = Math.max(cut, kthLargest(p, topK));
        if (topP < 1) cut = Math.max(cut, nucleusFloor(p, p[best]));
        int m = 0;
        for (int i = 0; i < n; i++) if (p[i] >= cut) m++;
        Integer[] order = new Integer[Math.max(1, m)];
        int j = 0;
        for (int i = 0; i < n; i++) if (p[i] >= cut) order[j++] = i;
        if (m == 0) order[0] = best;
        Arrays.sort(order, (a, b) -> p[b] != p[a] ? Double.compare(p[b], p[a]) : Integer.compare(a, b));
        return order;
    }

    /** The k-th largest of {@code p} (1-based), with a min-heap of the k largest seen. */
    private static double kthLargest(double[] p, int k) {
        double[] heap = new double[k];
        int size = 0;
        for (double v : p) {
            if (size < k) {
                int i = size++;
                heap[i] = v;
                while (i > 0 && heap[(i - 1) / 2] > heap[i]) { double t = heap[i]; heap[i] = heap[(i - 1) / 2]; heap[(i - 1) / 2] = t; i = (i - 1) / 2; }
            } else if (v > heap[0]) {
                heap[0] = v;
                for (int i = 0; ; ) {
                    int l = 2 * i + 1, r = l + 1, s = i;
                    if (l < k && heap[l] < heap[s]) s = l;
                    if (r < k && heap[r] < heap[s]) s = r;
                    if (s == i) break;
                    double t = heap[i]; heap[i] = heap[s]; heap[s] = t; i = s;
                }
            }
        }
        return heap[0];
    }

    /**
     * A {@code tau <= } the smallest probability top-p keeps: bisection on {@code log tau} over
     * {@code [pMax * 1e-12, pMax]} keeps {@code lo} with {@code mass(p >= lo) >= topP} (ten steps: the
     * bracket ends 2.7 % wide, so few extra tokens are sorted); 0 if even {@code pMax * 1e-12} does not
     * qualify. Required mass is padded by 1e-9 so float summation order cannot put the nucleus's last
     * token below the floor.
     */
    private double nucleusFloor(double[] p, double pMax) {
        double lo = Math.log(pMax * 1e-12), hi = Math.log(pMax);
        if (massAtLeast(p, Math.exp(lo)) < topP * (1 + 1e-9)) return 0;
        for (int it = 0; it < 10; it++) {
            double mid = 0.5 * (lo + hi);
            if (massAtLeast(p, Math.exp(mid)) >= topP * (1 + 1e-9)) lo = mid;
            else hi = mid;
        }
        return Math.exp(lo);
    }

    /** Sum of the probabilities {@code >= tau}; on the Vector API (a masked add), since top-p bisection calls it eleven times per token. */
    private static double massAtLeast(double[] p, double tau) {
        int i = 0, L = DS.length();
        DoubleVector acc = DoubleVector.zero(DS);
        for (int bound = DS.loopBound(p.length); i < bound; i += L) {
            DoubleVector v = DoubleVector.fromArray(DS, p, i);
            acc = acc.add(v, v.compare(VectorOperators.GE, tau));
        }
        double mass = acc.reduceLanes(VectorOperators.ADD);
        for (; i < p.length; i++) if (p[i] >= tau) mass += p[i];
        return mass;
    }

    private static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;

    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;

    /**
     * {@code softmax(logits / temperature)} in double. The exponentials run on the Vector API in float
     * (relative error ~1e-7, far below anything sampling can resolve; 32K scalar double {@code Math.exp}
     * cost ~0.35 ms per sampled token), summed in float blocks of 512 into a double.
     */
    private double[] probabilities(float[] logits) {
        int n = logits.length;
        float max = Float.NEGATIVE_INFINITY;
        for (float l : logits) max = Math.max(max, l);
        if (exps.length < n) exps = new float[n];
        float[] e = exps;
        double sum = expSum(logits, max, (float) (1.0 / temperature), e);
        double[] p = new double[n];
        for (int i = 0; i < n; i++) p[i] = e[i] / sum;
        return p;
    }

    /** Scratch for {@link #probabilities}: a sampler draws one token at a time. */
    private float[] exps = new float[0];

    /**
     * {@code softmax(logits)[best]} for the argmax {@code best}: {@code 1 / sum_j exp(l_j - l_best)}. Greedy
     * decoding reports it every step, so it runs on the Vector API (a 32K-vocabulary step costs ~30 us
     * instead of ~500 us of scalar {@code Math.exp}); float partial sums of 512 terms go into a double.
     */
    private static double softmaxOfArgmax(float[] logits, int best) {
        return 1.0 / expSum(logits, logits[best], 1f, null);
    }

    /**
     * {@code sum_j exp((l_j - max) * invT)} on the Vector API, float partial sums of 512 terms added into a
     * double; each term is also stored in {@code terms} unless it is null.
     */
    private static double expSum(float[] logits, float max, float invT, float[] terms) {
        int n = logits.length, L = FS.length(), j = 0;
        double sum = 0;
        for (int bound = FS.loopBound(n); j < bound; ) {
            FloatVector acc = FloatVector.zero(FS);
            for (int end = Math.min(bound, j + 64 * L); j < end; j += L) {
                FloatVector x = FloatVector.fromArray(FS, logits, j).sub(max).mul(invT).lanewise(VectorOperators.EXP);
                if (terms != null) x.intoArray(terms, j);
                acc = acc.add(x);
            }
            sum += acc.reduceLanes(VectorOperators.ADD);
        }
        for (; j < n; j++) {
            double t = Math.exp((logits[j] - max) * invT);
            if (terms != null) terms[j] = (float) t;
            sum += t;
        }
        return sum;
    }
}
