package dev.minerva.lab.calibration;

/**
 * Activation-outlier proxy (after LLM.int8(), Dettmers et al. 2022): a tensor whose input has
 * features far above the rest is assumed more fragile. Score = the relative weight error
 * {@code sum (w-q)^2 / sum w^2} times the input's peak-to-RMS ratio {@code max_j max|x_j| / rms(x)}
 * (the ratio alone cannot tell formats apart). The fraction of features above 6 is reported beside it.
 */
public final class OutlierMetric implements SensitivityMetric {
    @Override public String id() { return "outlier"; }
    @Override public boolean measured() { return false; }
    @Override public double score(SensitivityContext ctx, QuantTarget t, WeightFormat f) {
        float[] w = ctx.floats(t.name());
        float[] q = f.fakeQuantise(w, t.rows(), t.cols());
        double err = 0, norm = 0;
        for (int i = 0; i < w.length; i++) { err += (double) (w[i] - q[i]) * (w[i] - q[i]); norm += (double) w[i] * w[i]; }
        ActivationStats.Input in = ctx.stats() == null ? null : ctx.stats().of(t.name());
        double peak = in == null ? 1 : in.peakToRms();
        return norm == 0 ? 0 : err / norm * peak;
    }
}
