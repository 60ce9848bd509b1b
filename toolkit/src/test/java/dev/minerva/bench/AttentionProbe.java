package dev.minerva.bench;

import dev.minerva.backend.AttentionMask;
import dev.minerva.backend.CpuBackend;
import dev.minerva.tensor.Tensor;

import java.util.SplittableRandom;

/**
 * Quick timing of one decode attention call (one query row, stories110M's 12 heads of 64) over a
 * cache of the given length: prints microseconds per call, best of five rounds. Args: cache slots
 * (default 2048), threads (comma list, default 1,2).
 */
public final class AttentionProbe {
    public static void main(String[] args) {
        int slots = args.length > 0 ? Integer.parseInt(args[0]) : 2048, heads = 12, hs = 64, dim = heads * hs;
        for (String th : (args.length > 1 ? args[1] : "1,2").split(",")) {
            try (CpuBackend b = new CpuBackend(Integer.parseInt(th))) {
                SplittableRandom rnd = new SplittableRandom(1);
                Tensor q = b.allocate("q", 1, dim), o = b.allocate("o", 1, dim), k = b.allocate("k", slots, dim), v = b.allocate("v", slots, dim);
                b.write(q, random(rnd, dim));
                b.write(k, random(rnd, slots * dim));
                b.write(v, random(rnd, slots * dim));
                int reps = Math.max(20, 4_000_000 / slots);
                double best = Double.MAX_VALUE;
                for (int round = 0; round < 6; round++) {
                    long t0 = System.nanoTime();
                    for (int i = 0; i < reps; i++) b.attention(o, q, 0, 1, k, v, slots, AttentionMask.CAUSAL, heads, heads, hs);
                    if (round > 0) best = Math.min(best, (System.nanoTime() - t0) / 1e3 / reps);
                }
                System.out.printf("attention %d heads x %d, %d slots, threads %s: %.1f us%n", heads, hs, slots, th, best);
            }
        }
    }

    private static float[] random(SplittableRandom rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }
}
