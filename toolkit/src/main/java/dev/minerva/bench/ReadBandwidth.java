package dev.minerva.bench;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Read-only streaming bandwidth: every thread sums its own contiguous slice of a float array far larger
 * than the last-level cache, with the Vector API and four accumulators. This is the access pattern of
 * batch-1 decode (each weight read once, nothing written), so it is the ceiling decode can actually
 * approach; the STREAM triad ({@link TriadBandwidth}) also writes, and on virtual machines whose write
 * path is fast it reads up to twice as high. The best of several passes is reported.
 */
public final class ReadBandwidth {
    private ReadBandwidth() {}

    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;

    /**
     * @param gbPerSecond best bandwidth over the passes, 1e9 bytes/s
     * @param threads     threads used
     * @param arrayBytes  bytes read per pass (all threads together)
     * @param passes      passes timed (after one warm-up pass)
     */
    public record Result(double gbPerSecond, int threads, long arrayBytes, int passes) {}

    /**
     * Measures read bandwidth over {@code arrayBytes} split across {@code threads}.
     *
     * @throws IllegalArgumentException if a thread's slice is over 1 GiB, or threads or passes &lt; 1
     */
    public static Result measure(long arrayBytes, int threads, int passes) {
        if (threads < 1 || passes < 1) throw new IllegalArgumentException("threads and passes must be ≥ 1");
        long n = arrayBytes / Float.BYTES;
        long perThread = (n + threads - 1) / threads;
        // at most 2^28 floats per thread: each accumulator lane then sums fewer than 2^24 ones, exactly
        if (perThread > 1L << 28) throw new IllegalArgumentException("array too large per thread (at most 1 GiB): " + arrayBytes);
        float[][] a = new float[threads][];
        Parallel.timed(threads, t -> {
            int len = (int) Math.min(perThread, n - t * perThread);
            a[t] = new float[len];
            java.util.Arrays.fill(a[t], 1f);   // first touch by the thread that reads it
            return 0;
        });
        double best = Double.MAX_VALUE;
        long total = 0;
        for (float[] x : a) total += x.length;
        for (int p = 0; p <= passes; p++) {
            double[] r = Parallel.timed(threads, t -> sum(a[t]));
            if (r[1] != total) throw new IllegalStateException("read bandwidth: summed " + r[1] + " ones, expected " + total);
            if (p > 0) best = Math.min(best, r[0]);   // pass 0 warms up the JIT
        }
        return new Result((double) Float.BYTES * total / best / 1e9, threads, total * Float.BYTES, passes);
    }

    private static double sum(float[] a) {
        int L = FS.length(), i = 0;
        FloatVector s0 = FloatVector.zero(FS), s1 = s0, s2 = s0, s3 = s0;
        for (int bound = a.length - a.length % (4 * L); i < bound; i += 4 * L) {
            s0 = s0.add(FloatVector.fromArray(FS, a, i));
            s1 = s1.add(FloatVector.fromArray(FS, a, i + L));
            s2 = s2.add(FloatVector.fromArray(FS, a, i + 2 * L));
            s3 = s3.add(FloatVector.fromArray(FS, a, i + 3 * L));
        }
        // per-lane sums of ones stay exact below 2^24 per lane; the total is summed in double
        double s = (double) s0.reduceLanes(VectorOperators.ADD) + s1.reduceLanes(VectorOperators.ADD)
                + s2.reduceLanes(VectorOperators.ADD) + s3.reduceLanes(VectorOperators.ADD);
        for (; i < a.length; i++) s += a[i];
        return s;
    }
}
