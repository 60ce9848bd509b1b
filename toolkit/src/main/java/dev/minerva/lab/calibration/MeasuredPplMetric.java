package dev.minerva.lab.calibration;

/**
 * Measured: relative perplexity change (percent) on the calibration chunks with this one tensor
 * quantised. Can be slightly negative (quantisation noise that happens to help on this text).
 */
public final class MeasuredPplMetric implements SensitivityMetric {
    @Override public String id() { return "measured_dppl_pct"; }
    @Override public boolean measured() { return true; }
    @Override public double score(SensitivityContext ctx, QuantTarget t, WeightFormat f) {
        return ctx.measure(t, f).deltaPplPercent(ctx.referenceQuality());
    }
}
