package dev.minerva.lab.calibration;

/**
 * Activation-weighted proxy (llama.cpp imatrix style): the expected squared output error of the
 * matmul if input features were uncorrelated,
 * {@code sum_j E[x_j^2] * sum_i (w_ij - q(w_ij))^2}, with {@code E[x_j^2]} from the calibration pass.
 * Tensors whose input was never observed (an untied embedding table) fall back to {@code E[x_j^2] = 1}.
 */
public final class ImatrixMetric implements SensitivityMetric {
    @Override public String id() { return "imatrix"; }
    @Override public boolean measured() { return false; }
    @Override public double score(SensitivityContext ctx, QuantTarget t, WeightFormat f) {
        float[] w = ctx.floats(t.name());
        float[] q = f.fakeQuantise(w, t.rows(), t.cols());
        ActivationStats.Input in = ctx.stats() == null ? null : ctx.stats().of(t.name());
        double[] e = in == null ? null : in.meanSquare();
        double s = 0;
        for (int i = 0; i < t.rows(); i++) {
            for (int j = 0; j < t.cols(); j++) {
                double d = w[i * t.cols() + j] - q[i * t.cols() + j];
                s += (e == null ? 1 : e[j]) * d * d;
            }
        }
        return s;
    }
}
