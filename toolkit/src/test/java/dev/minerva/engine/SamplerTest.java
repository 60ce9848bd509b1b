package dev.minerva.engine;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** The sampler against float64 softmax: greedy's token and probability, the filters, seeding, bad settings. */
class SamplerTest {

    static float[] logits(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] l = new float[n];
        for (int i = 0; i < n; i++) l[i] = (float) (r.nextGaussian() * 3);
        return l;
    }

    static double[] softmax(float[] l, double temperature) {
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (float v : l) max = Math.max(max, v);
        double[] p = new double[l.length];
        for (int i = 0; i < l.length; i++) { p[i] = Math.exp((l[i] - max) / temperature); sum += p[i]; }
        for (int i = 0; i < l.length; i++) p[i] /= sum;
        return p;
    }

    /** A batch's rows sampled in order, as the same seeded sampler samples each row in turn; bad shapes refused. */
    @Test void sampleRowsIsSampleOnEachRowInTurn() {
        SplittableRandom rnd = new SplittableRandom(5);
        float[] logits = new float[3 * 50];
        for (int i = 0; i < logits.length; i++) logits[i] = (float) rnd.nextDouble(-3, 3);
        Sampler.Sample[] rows = new Sampler(0.9f, 10, 0.9f, 0, 11).sampleRows(logits, 3);
        Sampler one = new Sampler(0.9f, 10, 0.9f, 0, 11);
        for (int r = 0; r < 3; r++) assertEquals(one.sample(java.util.Arrays.copyOfRange(logits, r * 50, (r + 1) * 50)), rows[r], "row " + r);
        var e = assertThrows(IllegalArgumentException.class, () -> Sampler.greedy().sampleRows(logits, 4));
        assertTrue(e.getMessage().contains("150") && e.getMessage().contains("4 rows"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Sampler.greedy().sampleRows(logits, 0));
    }

    @Test void greedyPicksTheArgmaxWithItsSoftmaxProbability() {
        for (int n : new int[]{1, 7, 512, 32000, 32007}) {
            float[] l = logits(n, n);
            int best = 0;
            for (int i = 1; i < n; i++) if (l[i] > l[best]) best = i;
            Sampler.Sample s = Sampler.greedy().sample(l);
            assertEquals(best, s.token(), "vocab " + n);
            double want = softmax(l, 1)[best];
            assertEquals(want, s.probability(), want * 1e-5, "vocab " + n + ": probability of the argmax");
        }
    }

    @Test void temperatureSamplingFollowsTheDistribution() {
        float[] l = {2f, 1f, 0f, -1f, 0.5f};
        double[] p = softmax(l, 0.7);
        Sampler s = new Sampler(0.7f, 0, 1, 0, 42);
        int draws = 200_000;
        int[] counts = new int[l.length];
        for (int i = 0; i < draws; i++) {
            Sampler.Sample x = s.sample(l);
            counts[x.token()]++;
            assertEquals(p[x.token()], x.probability(), 1e-6);
        }
        for (int i = 0; i < l.length; i++) {
            double sd = Math.sqrt(draws * p[i] * (1 - p[i]));
            assertEquals(draws * p[i], counts[i], 5 * sd, "token " + i + " drawn " + counts[i] + " times, expected " + draws * p[i]);
        }
    }

    @Test void filtersKeepOnlyWhatTheyAllow() {
        float[] l = {3f, 2.9f, 1f, 0f, -2f, 2.95f};       // order by probability: 0, 5, 1, 2, 3, 4
        double[] p = softmax(l, 1);
        for (int i = 0; i < 2000; i++) {
            int k = new Sampler(1, 2, 1, 0, i).sample(l).token();
            assertTrue(k == 0 || k == 5, "top-k 2 drew " + k);
            // top-p: the smallest prefix whose mass reaches 0.5 is {0, 5}
            assertTrue(p[0] < 0.5 && p[0] + p[5] >= 0.5);
            int tp = new Sampler(1, 0, 0.5f, 0, i).sample(l).token();
            assertTrue(tp == 0 || tp == 5, "top-p 0.5 drew " + tp);
            // min-p 0.5: tokens below half the top probability go (p[2] / p[0] = e^-2)
            int mp = new Sampler(1, 0, 1, 0.5f, i).sample(l).token();
            assertTrue(mp == 0 || mp == 5 || mp == 1, "min-p 0.5 drew " + mp);
        }
        Sampler.Sample one = new Sampler(1, 1, 1, 0, 3).sample(l);
        assertEquals(0, one.token());
        assertEquals(1f, one.probability(), 1e-6, "a single kept token has probability 1 after renormalising");
    }

    @Test void theSameSeedGivesTheSameTokens() {
        float[] l = logits(1000, 9);
        Sampler a = new Sampler(1.1f, 50, 0.9f, 0.01f, 123), b = new Sampler(1.1f, 50, 0.9f, 0.01f, 123);
        for (int i = 0; i < 100; i++) assertEquals(a.sample(l), b.sample(l), "draw " + i);
    }

    @Test void badSettingsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new Sampler(-1, 0, 1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(Float.NaN, 0, 1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(1, -1, 1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(1, 0, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(1, 0, 1.5f, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(1, 0, 1, 1, 0));
    }

    /**
     * A plain reference: with no filter active, the inverse CDF in id order; otherwise the filters over the
     * whole vocabulary sorted by probability (descending, id ascending).
     */
    static Sampler.Sample reference(float[] l, float temperature, int topK, float topP, float minP, SplittableRandom random) {
        double[] p = softmax(l, temperature);
        if (!(topK > 0 && topK < l.length || topP < 1 || minP > 0)) {
            double r = random.nextDouble(), cdf = 0;
            for (int i = 0; i < p.length; i++) {
                cdf += p[i];
                if (r < cdf) return new Sampler.Sample(i, (float) p[i]);
            }
            return new Sampler.Sample(p.length - 1, (float) p[p.length - 1]);
        }
        Integer[] order = new Integer[l.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        java.util.Arrays.sort(order, (a, b) -> p[b] != p[a] ? Double.compare(p[b], p[a]) : Integer.compare(a, b));
        int keep = topK > 0 ? Math.min(topK, order.length) : order.length;
        double floor = minP * p[order[0]], mass = 0;
        int k = 0;
        while (k < keep && p[order[k]] >= floor) {
            mass += p[order[k++]];
            if (mass >= topP) break;
        }
        keep = Math.max(1, k);
        double kept = 0;
        for (int i = 0; i < keep; i++) kept += p[order[i]];
        double r = random.nextDouble() * kept, cdf = 0;
        for (int i = 0; i < keep; i++) {
            cdf += p[order[i]];
            if (r < cdf) return new Sampler.Sample(order[i], (float) (p[order[i]] / kept));
        }
        return new Sampler.Sample(order[keep - 1], (float) (p[order[keep - 1]] / kept));
    }

    @Test void filtersEqualSortingTheWholeVocabulary() {
        float[][] settings = {{1f, 40, 1f, 0f}, {0.8f, 0, 0.9f, 0f}, {1.2f, 0, 1f, 0.05f}, {1f, 50, 0.95f, 0.01f}, {1f, 3, 0.5f, 0f}, {2f, 0, 0.001f, 0f}};
        for (float[] st : settings) {
            for (int n : new int[]{2, 37, 32000}) {
                float[] l = logits(n, n + (long) st[1]);
                if (n == 37) for (int i = 0; i < 10; i++) l[i] = 1.5f;            // ties
                Sampler s = new Sampler(st[0], (int) st[1], st[2], st[3], 99);
                SplittableRandom r = new SplittableRandom(99);
                for (int draw = 0; draw < (n > 1000 ? 10 : 50); draw++) {
                    Sampler.Sample want = reference(l, st[0], (int) st[1], st[2], st[3], r), got = s.sample(l);
                    assertEquals(want.token(), got.token(), java.util.Arrays.toString(st) + " vocab " + n + " draw " + draw);
                    assertEquals(want.probability(), got.probability(), 1e-6f);
                }
            }
        }
    }
}
