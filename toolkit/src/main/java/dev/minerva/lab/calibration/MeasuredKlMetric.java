package dev.minerva.lab.calibration;

/**
 * Measured: mean KL(F32 model ‖ model with this one tensor quantised) of the next-token
 * distribution over the calibration chunks. The reference every proxy is ranked against.
 */
public final class MeasuredKlMetric implements SensitivityMetric {
    @Override public String id() { return "measured_kl"; }
    @Override public boolean measured() { return true; }
    @Override public double score(SensitivityContext ctx, QuantTarget t, WeightFormat f) {
        return ctx.measure(t, f).meanKl();
    }
}
