package dev.minerva.bench;

/**
 * This machine's measured memory bandwidth and FMA peak, at one thread and at all cores: the
 * "measured" hardware entry of the roofline and the reference the engine's bench compares against.
 *
 * @param triadGbPerSecond1    triad bandwidth, one thread (GB/s, 1e9)
 * @param triadGbPerSecondAll  triad bandwidth, all threads
 * @param fmaGflops1           Vector API FMA rate, one thread (GFLOP/s, fp32)
 * @param fmaGflopsAll         FMA rate, all threads
 * @param threads              threads used for "all" (available processors)
 * @param vectorBits           preferred vector width
 * @param triadArrayBytes      bytes of each triad array
 */
public record MachineProbe(double triadGbPerSecond1, double triadGbPerSecondAll, double fmaGflops1, double fmaGflopsAll,
                           int threads, int vectorBits, long triadArrayBytes) {

    /** How long to spend: {@code QUICK} for CI and tests (~1–2 s), {@code FULL} for a recorded figure (~5–10 s). */
    public enum Effort { QUICK, FULL }

    /** Measures this machine. Arrays are always ≥ 4× the last-level cache; effort only changes repetitions. */
    public static MachineProbe measure(Effort effort) {
        int threads = Runtime.getRuntime().availableProcessors();
        long bytes = TriadBandwidth.defaultArrayBytes();
        int passes = effort == Effort.QUICK ? 3 : 10;
        long iters = effort == Effort.QUICK ? 5_000_000 : 20_000_000;
        TriadBandwidth.Result t1 = TriadBandwidth.measure(bytes, 1, passes);
        TriadBandwidth.Result tn = TriadBandwidth.measure(bytes, threads, passes);
        FmaThroughput.Result f1 = FmaThroughput.measure(1, iters, passes);
        FmaThroughput.Result fn = FmaThroughput.measure(threads, iters, passes);
        return new MachineProbe(t1.gbPerSecond(), tn.gbPerSecond(), f1.gflops(), fn.gflops(), threads, f1.vectorBits(), bytes);
    }

    public static void main(String[] args) {
        System.out.println(measure(args.length > 0 && args[0].equalsIgnoreCase("full") ? Effort.FULL : Effort.QUICK));
    }
}
