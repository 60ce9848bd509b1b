package dev.minerva.bench;

import dev.minerva.engine.Sampler;

import java.util.SplittableRandom;

/**
 * Quick timing of one sampling step over a 32,000-token vocabulary of Gaussian logits (sd 3), for
 * top-p 0.9 at temperature 0.8, top-k 40 and min-p 0.05: prints milliseconds per sample after warm-up.
 */
public final class SamplerProbe {
    public static void main(String[] args) {
        float[] logits = new float[32000];
        SplittableRandom rnd = new SplittableRandom(1);
        for (int i = 0; i < logits.length; i++) logits[i] = (float) (rnd.nextGaussian() * 3);
        float[][] settings = {{0.8f, 0, 0.9f, 0}, {1f, 40, 1f, 0}, {1f, 0, 1f, 0.05f}};
        for (float[] st : settings) {
            Sampler s = new Sampler(st[0], (int) st[1], st[2], st[3], 7);
            for (int i = 0; i < 300; i++) s.sample(logits);
            int n = 300;
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) s.sample(logits);
            System.out.printf("temperature %.1f top-k %d top-p %.2f min-p %.2f: %.3f ms/sample%n", st[0], (int) st[1], st[2], st[3],
                    (System.nanoTime() - t0) / 1e6 / n);
        }
    }
}
