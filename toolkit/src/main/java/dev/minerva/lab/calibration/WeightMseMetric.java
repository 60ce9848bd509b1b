package dev.minerva.lab.calibration;

/** Naive proxy: mean squared weight error {@code mean_ij (w_ij - q(w_ij))^2}, blind to activations. */
public final class WeightMseMetric implements SensitivityMetric {
    @Override public String id() { return "weight_mse"; }
    @Override public boolean measured() { return false; }
    @Override public double score(SensitivityContext ctx, QuantTarget t, WeightFormat f) {
        float[] w = ctx.floats(t.name());
        float[] q = f.fakeQuantise(w, t.rows(), t.cols());
        double s = 0;
        for (int i = 0; i < w.length; i++) s += (double) (w[i] - q[i]) * (w[i] - q[i]);
        return s / w.length;
    }
}
