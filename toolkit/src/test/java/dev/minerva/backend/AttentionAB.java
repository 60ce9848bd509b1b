package dev.minerva.backend;

import java.util.SplittableRandom;

/**
 * Interleaved A/B timing of the row-at-a-time attention ({@link AttentionKernel}) against the blocked one
 * ({@link FlashAttention}) in one JVM: per case, the two alternate call by call, and each keeps its best
 * round (a shared machine's speed drifts; only same-run comparisons count). Prints microseconds and
 * GFLOP/s, counting {@code 4 * hs} flops per (row, head, visible slot) (QK^T and PV), and the largest
 * difference between the two outputs.
 * Args: {@code cases} (default: prompts of 16/64/128/512 rows, 128 rows after 384 slots) as
 * {@code rows:kvLength,...}; threads (default 2); rounds (default 40).
 */
public final class AttentionAB {
    public static void main(String[] args) {
        String cases = args.length > 0 ? args[0] : "16:16,64:64,128:128,512:512,128:512";
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 40;
        int[][] shapes = {{12, 12, 64}, {32, 4, 64}};
        try (WorkerPool pool = new WorkerPool(threads)) {
            // both kernels compiled by C2 before the first timed case
            for (int[] shape : shapes) run(pool, 96, 160, shape[0], shape[1], shape[2], 60, false);
            for (int[] shape : shapes) {
                for (String c : cases.split(",")) {
                    String[] p = c.split(":");
                    run(pool, Integer.parseInt(p[0]), Integer.parseInt(p[1]), shape[0], shape[1], shape[2], rounds, true);
                }
            }
        }
    }

    private static void run(WorkerPool pool, int rows, int kvLen, int nh, int nkv, int hs, int rounds, boolean print) {
        int dim = nh * hs, kvDim = nkv * hs;
        SplittableRandom rnd = new SplittableRandom(7);
        float[] q = random(rnd, rows * dim), k = random(rnd, kvLen * kvDim), v = random(rnd, kvLen * kvDim);
        float[] oa = new float[rows * dim], ob = new float[rows * dim];
        long visible = 0;
        for (int r = 0; r < rows; r++) visible += kvLen - rows + r + 1;
        double flops = 4.0 * hs * nh * visible;
        // about 2 ms of work per timed batch at ~20 GFLOP/s
        int reps = (int) Math.max(1, Math.min(2000, 4e7 / flops));
        double ba = Double.MAX_VALUE, bb = Double.MAX_VALUE;
        for (int round = 0; round < rounds + 3; round++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) AttentionKernel.run(pool, oa, q, 0, rows, k, v, kvLen, AttentionMask.CAUSAL, nh, nkv, hs);
            long t1 = System.nanoTime();
            for (int i = 0; i < reps; i++) FlashAttention.run(pool, ob, q, 0, rows, k, v, kvLen, AttentionMask.CAUSAL, nh, nkv, hs);
            long t2 = System.nanoTime();
            if (round >= 3) { ba = Math.min(ba, (t1 - t0) / 1e3 / reps); bb = Math.min(bb, (t2 - t1) / 1e3 / reps); }
        }
        double maxDiff = 0;
        for (int i = 0; i < oa.length; i++) maxDiff = Math.max(maxDiff, Math.abs(oa[i] - ob[i]));
        if (print) System.out.printf("%2d/%d heads x %d, %3d rows over %3d slots, %d threads: row-wise %8.1f us %5.1f GFLOP/s | blocked %8.1f us %5.1f GFLOP/s | x%.2f | max diff %.2g%n",
                nh, nkv, hs, rows, kvLen, pool.threads(), ba, flops / ba / 1e3, bb, flops / bb / 1e3, ba / bb, maxDiff);
    }

    private static float[] random(SplittableRandom rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }
}
