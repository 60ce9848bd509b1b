package dev.minerva.bench;

import dev.minerva.backend.WorkerPool;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * STREAM-style triad {@code a[i] = b[i] + s * c[i]} over arrays far larger than the caches, split over
 * {@code threads} threads; bandwidth counts 3 arrays × 4 bytes per element (STREAM's convention,
 * no write-allocate traffic). The best of several passes is reported, as STREAM does.
 */
public final class TriadBandwidth {
    private TriadBandwidth() {}

    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;

    /** Measured bytes per second with {@code elements} floats per array and {@code passes} passes. */
    public static double measure(int threads, int elements, int passes) {
        float[] a = new float[elements], b = new float[elements], c = new float[elements];
        java.util.Arrays.fill(b, 1f);
        java.util.Arrays.fill(c, 2f);
        double best = Double.MAX_VALUE;
        try (WorkerPool pool = new WorkerPool(threads)) {
            for (int p = 0; p < passes; p++) {
                long t0 = System.nanoTime();
                pool.forRange(elements, 1 << 16, (s, e) -> {
                    int i = s;
                    for (int bound = s + FS.loopBound(e - s); i < bound; i += FS.length()) {
                        FloatVector.fromArray(FS, c, i).mul(3f).add(FloatVector.fromArray(FS, b, i)).intoArray(a, i);
                    }
                    for (; i < e; i++) a[i] = b[i] + 3f * c[i];
                });
                best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            }
        }
        if (a[elements / 2] != 7f) throw new IllegalStateException("triad computed a wrong value");
        return 3.0 * 4 * elements / best;
    }

    /** The default measurement: 3 × 32M floats (384 MB), 8 passes. */
    public static double measure(int threads) { return measure(threads, 32 << 20, 8); }
}
