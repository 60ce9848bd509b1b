package dev.minerva.lab.roofline;

import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.util.List;

/**
 * A step's roofline on one device.
 *
 * @param workload     what was costed
 * @param hardware     the device
 * @param ops          per-op bounds in forward order
 * @param flops        all FLOPs of the step
 * @param bytes        all bytes of the step
 * @param weightBytes  weight bytes of the step
 * @param kvBytes      KV-cache bytes read and written
 * @param fusedTime    max(FLOP time, byte time) of the whole step: perfect fusion and overlap
 * @param unfusedTime  Σ per-op bounds: ops run one after another, each at its own bound
 */
public record RooflineReport(Workload workload, Hardware hardware, List<OpBound> ops, double flops, double bytes,
                             double weightBytes, double kvBytes, double fusedTime, double unfusedTime) {

    /** Tokens per second the step cannot exceed (tokens computed per step ÷ fused time). */
    public double tokensPerSecondCeiling() { return workload.tokensPerStep() / fusedTime; }

    /** Tokens per second if ops run unfused, each at its bound. */
    public double tokensPerSecondUnfused() { return workload.tokensPerStep() / unfusedTime; }

    /** FLOPs per computed token. */
    public double flopsPerToken() { return flops / workload.tokensPerStep(); }

    /** Bytes moved per computed token. */
    public double bytesPerToken() { return bytes / workload.tokensPerStep(); }

    /** Whether the whole step is compute-bound on this device. */
    public boolean computeBound() {
        double computeTime = ops.stream().mapToDouble(OpBound::computeTime).sum();
        return computeTime >= bytes / hardware.bandwidth();
    }

    /** The per-op view for reading (what {@code minerva roofline} prints): GFLOP, MB, FLOP/B, bound, µs, share of the step. */
    public Table table() {
        StringColumn name = StringColumn.create("op"), kind = StringColumn.create("kind"), bound = StringColumn.create("bound");
        IntColumn count = IntColumn.create("count");
        DoubleColumn gflop = DoubleColumn.create("GFLOP"), mb = DoubleColumn.create("MB"), ai = DoubleColumn.create("FLOP/B"),
                us = DoubleColumn.create("time (us)"), pct = DoubleColumn.create("% of step");
        for (OpBound b : ops) {
            name.append(b.op().name());
            kind.append(b.op().kind().name().toLowerCase(java.util.Locale.ROOT));
            count.append(b.op().count());
            gflop.append(round(b.op().flops() * b.op().count() / 1e9, 4));
            mb.append(round(b.op().bytes() * b.op().count() / 1e6, 3));
            ai.append(round(b.op().intensity(), 2));
            bound.append(b.bound());
            us.append(round(b.time() * 1e6, 3));
            pct.append(round(100 * b.time() / unfusedTime, 1));
        }
        return Table.create(workload.modelName() + " " + workload.phase().name().toLowerCase(java.util.Locale.ROOT) + " on " + hardware.id(),
                name, kind, count, gflop, mb, ai, bound, us, pct);
    }

    private static double round(double v, int decimals) {
        double f = Math.pow(10, decimals);
        return Math.round(v * f) / f;
    }
}
