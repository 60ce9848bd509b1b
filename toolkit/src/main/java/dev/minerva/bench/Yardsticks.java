package dev.minerva.bench;

/**
 * What a speed measurement is divided by, measured just before it: the host's triad and read-only stream and the
 * Vector API FMA peak, or a GPU's device-to-device copy. Each is NaN where it was not measured. Used by
 * {@code minerva bench} and the engine study, so that a run and its yardsticks share the same minute of a machine
 * whose speed drifts.
 *
 * @param triad triad bandwidth, bytes/s
 * @param read  read-only stream bandwidth (batch-1 decode's access pattern), bytes/s
 * @param copy  device-to-device copy bandwidth on a GPU, bytes/s
 * @param fma   FMA peak, FLOP/s
 */
public record Yardsticks(double triad, double read, double copy, double fma) {

    /** Nothing measured. */
    public static final Yardsticks NONE = new Yardsticks(Double.NaN, Double.NaN, Double.NaN, Double.NaN);

    /**
     * The host's triad and read stream over arrays of {@code arrayBytes}, best of {@code passes}, and its FMA peak over
     * {@code fmaIterations} per thread, best of {@code passes}, all on {@code threads} threads.
     */
    public static Yardsticks host(long arrayBytes, int threads, int passes, long fmaIterations) {
        return new Yardsticks(TriadBandwidth.measure(arrayBytes, threads, passes).gbPerSecond() * 1e9,
                ReadBandwidth.measure(arrayBytes, threads, passes).gbPerSecond() * 1e9, Double.NaN,
                FmaThroughput.measure(threads, fmaIterations, passes).gflops() * 1e9);
    }

    /** A GPU's device copy bandwidth only. */
    public static Yardsticks device(double copyBytesPerSecond) {
        return new Yardsticks(Double.NaN, Double.NaN, copyBytesPerSecond, Double.NaN);
    }
}
