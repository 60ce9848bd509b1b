package dev.minerva.lab.roofline;

/**
 * One op on one device: the time it cannot beat and what limits it.
 *
 * @param op          the op (one instance's cost; {@code op.count()} instances per step)
 * @param peakFlops   the FLOP/s peak that applies (tensor peak for matmul/attention, vector peak otherwise)
 * @param computeTime seconds for all instances at peak FLOP/s
 * @param memoryTime  seconds for all instances at peak bandwidth
 */
public record OpBound(Op op, double peakFlops, double computeTime, double memoryTime) {

    /** Lower bound on the op's time per step (all instances). */
    public double time() { return Math.max(computeTime, memoryTime); }

    public boolean computeBound() { return computeTime >= memoryTime; }

    public String bound() { return computeBound() ? "compute" : "memory"; }

    /** FLOP/s the op reaches when it runs exactly at its bound: its point on the roofline. */
    public double attainableFlops() { return op.flops() * op.count() / time(); }
}
