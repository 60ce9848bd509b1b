package dev.minerva.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * STREAM-style triad {@code a[i] = b[i] + s * c[i]} over double arrays far larger than the last-level
 * cache; bandwidth counts 24 bytes per element (two reads, one write; write-allocate traffic not
 * counted, as in STREAM). Each thread first-touches and then works on its own contiguous slice.
 * The best of several passes is reported (the machine's capability, not its average under noise).
 */
public final class TriadBandwidth {
    private TriadBandwidth() {}

    /**
     * @param gbPerSecond best bandwidth over the passes, 1e9 bytes/s
     * @param threads     threads used
     * @param arrayBytes  bytes of each of the three arrays
     * @param passes      passes timed (after one warm-up pass)
     */
    public record Result(double gbPerSecond, int threads, long arrayBytes, int passes) {}

    /** Last-level cache size from sysfs (largest cache level of cpu0), or 32 MiB when unknown. */
    public static long lastLevelCacheBytes() {
        long best = 0;
        for (int i = 0; i < 8; i++) {
            Path size = Path.of("/sys/devices/system/cpu/cpu0/cache/index" + i + "/size");
            try {
                if (!Files.isReadable(size)) continue;
                String s = Files.readString(size).trim().toUpperCase();
                long mult = s.endsWith("K") ? 1024 : s.endsWith("M") ? 1024 * 1024 : 1;
                long v = Long.parseLong(s.replaceAll("[^0-9]", "")) * mult;
                best = Math.max(best, v);
            } catch (IOException | NumberFormatException ignored) {
                // keep looking; fall back below
            }
        }
        return best > 0 ? best : 32L << 20;
    }

    /** Array size that defeats the cache: 4× the last-level cache, at least 64 MiB per array. */
    public static long defaultArrayBytes() {
        return Math.max(4 * lastLevelCacheBytes(), 64L << 20);
    }

    /**
     * Measures triad bandwidth.
     *
     * @throws IllegalArgumentException if the arrays would not fit in an int-indexed array or threads &lt; 1
     */
    public static Result measure(long arrayBytes, int threads, int passes) {
        if (threads < 1 || passes < 1) throw new IllegalArgumentException("threads and passes must be ≥ 1");
        long n = arrayBytes / Double.BYTES;
        long perThread = (n + threads - 1) / threads;
        if (perThread > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("array too large per thread: " + arrayBytes);
        double[][] a = new double[threads][], b = new double[threads][], c = new double[threads][];
        Parallel.timed(threads, t -> {
            int len = (int) Math.min(perThread, n - t * perThread);
            a[t] = new double[len];
            b[t] = new double[len];
            c[t] = new double[len];
            java.util.Arrays.fill(b[t], 1.0);
            java.util.Arrays.fill(c[t], 2.0);
            return 0;
        });
        double best = Double.MAX_VALUE;
        double s = 3.0;
        for (int p = 0; p <= passes; p++) {
            double[] r = Parallel.timed(threads, t -> triad(a[t], b[t], c[t], s));
            if (p > 0) best = Math.min(best, r[0]);   // pass 0 warms up the JIT
        }
        check(a[0], 1.0 + s * 2.0);
        long total = 0;
        for (double[] x : a) total += x.length;
        return new Result(24.0 * total / best / 1e9, threads, n * Double.BYTES, passes);
    }

    private static double triad(double[] a, double[] b, double[] c, double s) {
        for (int i = 0; i < a.length; i++) a[i] = b[i] + s * c[i];
        return a.length == 0 ? 0 : a[a.length - 1];
    }

    private static void check(double[] a, double want) {
        if (a.length > 0 && (a[0] != want || a[a.length - 1] != want)) throw new IllegalStateException("triad produced a wrong value");
    }
}
