package dev.minerva.lab.roofline;

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
}
