package dev.minerva.backend.cuda.reference;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

/** The device sampler's threshold search and draw against a sort-based top-k/top-p sampler. */
class TopKTopPReferenceTest {

    /** Kept set by sorting: top-k, then the shortest descending prefix whose probability reaches p; intersection. */
    static boolean[] keptBySort(float[] logits, float temp, int k, float p) {
        int n = logits.length;
        double[] z = new double[n];
        double mx = Double.NEGATIVE_INFINITY;
        float inv = 1.0f / temp;   // the kernel's z = logit * (1/T) in float
        for (int i = 0; i < n; i++) { z[i] = logits[i] * inv; mx = Math.max(mx, z[i]); }
        double total = 0;
        double[] e = new double[n];
        for (int i = 0; i < n; i++) { e[i] = Math.exp(z[i] - mx); total += e[i]; }
        Integer[] order = IntStream.range(0, n).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> z[i]).reversed());
        int nk = (k > 0 && k < n) ? k : n;
        int np = n;
        if (p > 0 && p < 1) {
            double c = 0;
            for (int i = 0; i < n; i++) { c += e[order[i]]; if (c >= p * total) { np = i + 1; break; } }
        }
        boolean[] kept = new boolean[n];
        for (int i = 0; i < Math.min(nk, np); i++) kept[order[i]] = true;
        return kept;
    }

    @Test
    void keptSetMatchesSortBasedSelection() {
        Random rnd = new Random(17);
        for (int trial = 0; trial < 60; trial++) {
            int n = 1 + rnd.nextInt(600);
            float[] logits = new float[n];
            for (int i = 0; i < n; i++) logits[i] = (float) (rnd.nextGaussian() * 3);
            float temp = 0.3f + rnd.nextFloat() * 1.5f;
            int k = rnd.nextInt(4) == 0 ? 0 : 1 + rnd.nextInt(n + 5);
            float p = rnd.nextInt(4) == 0 ? 1f : 0.05f + rnd.nextFloat() * 0.9f;
            boolean[] want = keptBySort(logits, temp, k, p);
            float tau = TopKTopPReference.threshold(logits, temp, k, p);
            for (int i = 0; i < n; i++) {
                // float vs double prefix sums can disagree only when the p boundary falls within rounding: rare; report it
                assertEquals(want[i], logits[i] * (1.0f / temp) >= tau,
                        "trial " + trial + " n=" + n + " k=" + k + " p=" + p + " temp=" + temp + " token " + i + " z " + logits[i] * (1.0f / temp) + " tau " + tau);
            }
        }
    }

    @Test
    void topOneIsArgmaxAndGreedyLike() {
        float[] logits = {0.1f, 2.5f, -1f, 2.4f};
        TopKTopPReference.Draw d = TopKTopPReference.sample(logits, 1f, 1, 1f, 42, 0, 0);
        assertEquals(1, d.token());
        assertEquals(1, d.kept());
        assertEquals(1f, d.probability(), 1e-6f);
    }

    @Test
    void drawsFollowTheRenormalisedDistribution() {
        float[] logits = {1.0f, 0.0f, 2.0f, -0.5f, 1.5f, -3f};
        float temp = 0.8f;
        int k = 4;
        float p = 0.9f;
        boolean[] kept = keptBySort(logits, temp, k, p);
        double[] prob = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < logits.length; i++) if (kept[i]) { prob[i] = Math.exp(logits[i] / temp); sum += prob[i]; }
        int draws = 40000;
        int[] count = new int[logits.length];
        for (int c = 0; c < draws; c++) count[TopKTopPReference.sample(logits, temp, k, p, 1234, c, 0).token()]++;
        for (int i = 0; i < logits.length; i++) {
            double want = prob[i] / sum, got = count[i] / (double) draws;
            double sd = Math.sqrt(want * (1 - want) / draws);
            assertEquals(want, got, 5 * sd + 1e-9, "token " + i + " frequency (kept=" + kept[i] + ")");
        }
    }

    @Test
    void uniformIsInUnitIntervalAndDependsOnRowAndCounter() {
        float a = TopKTopPReference.uniform(1, 0, 0), b = TopKTopPReference.uniform(1, 0, 1), c = TopKTopPReference.uniform(1, 1, 0);
        assertNotEquals(a, b);
        assertEquals(b, c, "counter + row is the stream position: (0,1) and (1,0) coincide by design");
        for (int i = 0; i < 1000; i++) {
            float u = TopKTopPReference.uniform(99, i, 0);
            assertTrue(u >= 0f && u < 1f, "u=" + u);
        }
    }
}
