package dev.minerva.lab.roofline;

/**
 * A measured op time to overlay on a roofline chart: the op's FLOPs and bytes come from the cost
 * model, the time from a benchmark, so its point sits at (intensity, flops / seconds), below the roof.
 *
 * @param label     e.g. {@code "wq decode b=1 (cuda)"}
 * @param intensity FLOP per byte
 * @param flopsPerSecond achieved FLOP/s
 */
public record MeasuredPoint(String label, double intensity, double flopsPerSecond) {

    /** The point for {@code op} (all {@code op.count()} instances) measured at {@code seconds}. */
    public static MeasuredPoint of(String label, Op op, double seconds) {
        return new MeasuredPoint(label, op.intensity(), op.flops() * op.count() / seconds);
    }
}
