package dev.minerva.bench;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Peak float32 fused multiply-add rate with the Vector API at the preferred width: each thread
 * runs twelve independent accumulator chains ({@code acc = x * y + acc}) held in registers. Counts 2 FLOP
 * per lane per FMA.
 *
 * <p>The accumulator is the addend on purpose. Written {@code acc = acc * x + y} (as this probe was until
 * 2026-11-23), C2 emits {@code vfmadd231ps} into a fresh copy of {@code y} for every FMA, unrolls the loop
 * so that each chain's four FMAs sit back to back, and spills chains to the stack: on a 2-core Zen 3 that
 * read 65 GFLOP/s on one thread where a C loop of the same FMAs (gcc -O3, 12 chains) reads 99, and the
 * roofline of this machine was a third too low. In the addend form every FMA is one instruction on a
 * register; it reads 84-98 on that core. Twelve chains cover two FMA pipes with up to six cycles of latency
 * and, with {@code x} and {@code y}, still fit AVX2's sixteen vector registers (eight chains read 85 in C).
 */
public final class FmaThroughput {
    private FmaThroughput() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Independent accumulator chains per thread. */
    public static final int CHAINS = 12;

    /**
     * @param gflops      best rate over the passes, 1e9 FLOP/s
     * @param threads     threads used
     * @param vectorBits  vector width used
     * @param passes      passes timed (after one warm-up)
     */
    public record Result(double gflops, int threads, int vectorBits, int passes) {}

    public static Result measure(int threads, long itersPerThread, int passes) {
        if (threads < 1 || passes < 1 || itersPerThread < 1) throw new IllegalArgumentException("threads, iterations and passes must be ≥ 1");
        double best = Double.MAX_VALUE;
        for (int p = 0; p <= passes; p++) {
            double[] r = Parallel.timed(threads, t -> chains(itersPerThread));
            if (!Double.isFinite(r[1])) throw new IllegalStateException("FMA chains diverged");
            if (p > 0) best = Math.min(best, r[0]);
        }
        double flops = 2.0 * S.length() * CHAINS * itersPerThread * threads;
        return new Result(flops / best / 1e9, threads, S.vectorBitSize(), passes);
    }

    /**
     * Prints {@code fma-java threads=T gflops=G} for each thread count given (default: 1 and all processors), best of
     * five passes of 20 M iterations per thread, the settings of {@code toolkit/src/bench/c/fmapeak.c}
     * ({@code toolkit/scripts/fma-vs-c.sh} runs both).
     */
    public static void main(String[] args) {
        int all = Runtime.getRuntime().availableProcessors();
        String[] counts = args.length > 0 ? args : new String[]{"1", Integer.toString(all)};
        for (String c : counts) {
            Result r = measure(Integer.parseInt(c), 20_000_000, 5);
            System.out.printf("fma-java threads=%d gflops=%.1f%n", r.threads(), r.gflops());
        }
    }

    /** Sum of the chains: finite (each grows by {@code iters x 1e-6}), so that the loop is not dead code. */
    private static double chains(long iters) {
        FloatVector x = FloatVector.broadcast(S, 0.999999f), y = FloatVector.broadcast(S, 1e-6f);
        FloatVector a0 = FloatVector.broadcast(S, 1f), a1 = FloatVector.broadcast(S, 2f), a2 = FloatVector.broadcast(S, 3f),
                a3 = FloatVector.broadcast(S, 4f), a4 = FloatVector.broadcast(S, 5f), a5 = FloatVector.broadcast(S, 6f),
                a6 = FloatVector.broadcast(S, 7f), a7 = FloatVector.broadcast(S, 8f), a8 = FloatVector.broadcast(S, 9f),
                a9 = FloatVector.broadcast(S, 10f), a10 = FloatVector.broadcast(S, 11f), a11 = FloatVector.broadcast(S, 12f);
        for (long i = 0; i < iters; i++) {
            a0 = x.fma(y, a0); a1 = x.fma(y, a1); a2 = x.fma(y, a2); a3 = x.fma(y, a3);
            a4 = x.fma(y, a4); a5 = x.fma(y, a5); a6 = x.fma(y, a6); a7 = x.fma(y, a7);
            a8 = x.fma(y, a8); a9 = x.fma(y, a9); a10 = x.fma(y, a10); a11 = x.fma(y, a11);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }
}
