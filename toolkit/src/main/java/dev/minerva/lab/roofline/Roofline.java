package dev.minerva.lab.roofline;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.function.IntPredicate;

/** Puts a {@link Workload}'s ops on a {@link Hardware} roofline. */
public final class Roofline {
    private Roofline() {}

    /** Largest batch searched for the compute-bound turn. */
    public static final int MAX_BATCH = 1 << 20;

    public static RooflineReport analyze(Workload w, Hardware hw) {
        return analyze(w, hw, CostModel.ops(w));
    }

    static RooflineReport analyze(Workload w, Hardware hw, List<Op> ops) {
        double tensorPeak = hw.peakFlops(w.computeType());
        double vectorPeak = hw.vectorFlops();
        double bw = hw.bandwidth();
        List<OpBound> bounds = new ArrayList<>();
        double flops = 0, bytes = 0, weights = 0, kv = 0, computeTime = 0, unfused = 0;
        for (Op op : ops) {
            double peak = op.kind().tensorCores() ? tensorPeak : vectorPeak;
            double n = op.count();
            OpBound b = new OpBound(op, peak, n * op.flops() / peak, n * op.bytes() / bw);
            bounds.add(b);
            flops += n * op.flops();
            bytes += n * op.bytes();
            weights += n * op.weightBytes();
            kv += n * (op.kvReadBytes() + op.kvWriteBytes());
            computeTime += b.computeTime();
            unfused += b.time();
        }
        double fused = Math.max(computeTime, bytes / bw);
        return new RooflineReport(w, hw, List.copyOf(bounds), flops, bytes, weights, kv, fused, unfused);
    }

    /**
     * Smallest decode batch (at the workload's context and precisions) at which the whole step is
     * compute-bound, or empty if it stays memory-bound up to {@link #MAX_BATCH} (attention's K/V
     * traffic grows with the batch as fast as its FLOPs, so at long context it may never turn).
     */
    public static OptionalInt computeBoundBatch(Workload w, Hardware hw) {
        Workload d = w.withPhase(Phase.DECODE);
        return smallest(b -> analyze(d.withBatch(b), hw).computeBound());
    }

    /**
     * Smallest decode batch at which the weight matmuls (wq…w2, classifier) are compute-bound
     * taken together: where weight reuse across the batch pays for the weight traffic.
     */
    public static OptionalInt linearComputeBoundBatch(Workload w, Hardware hw) {
        Workload d = w.withPhase(Phase.DECODE);
        return smallest(b -> {
            RooflineReport r = analyze(d.withBatch(b), hw);
            double ct = 0, mt = 0;
            for (OpBound ob : r.ops()) {
                if (ob.op().kind() != OpKind.MATMUL) continue;
                ct += ob.computeTime();
                mt += ob.memoryTime();
            }
            return ct >= mt;
        });
    }

    /** Smallest b in [1, MAX_BATCH] with p(b), assuming p is monotone (false … false true … true). */
    private static OptionalInt smallest(IntPredicate p) {
        if (!p.test(MAX_BATCH)) return OptionalInt.empty();
        int lo = 1, hi = MAX_BATCH;
        while (lo < hi) {
            int mid = lo + (hi - lo) / 2;
            if (p.test(mid)) hi = mid; else lo = mid + 1;
        }
        return OptionalInt.of(lo);
    }
}
