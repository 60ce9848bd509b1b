package dev.minerva.lab.calibration;

import java.util.HashMap;
import java.util.Map;

/**
 * Per-weight statistics of matmul inputs, gathered in one calibration pass: for every input
 * feature j of weight W, {@code E[x_j^2]} (the importance matrix diagonal of llama.cpp's imatrix)
 * and {@code max |x_j|}; for the whole input, its RMS and the LLM.int8() outlier count
 * (features whose magnitude ever exceeds 6, Dettmers et al. 2022, arXiv 2208.07339).
 */
public final class ActivationStats implements CausalModel.ActivationObserver {

    /** Accumulated statistics of one matmul input (cols features). */
    public static final class Input {
        final double[] sumSq;
        final float[] maxAbs;
        long rows;

        Input(int cols) { sumSq = new double[cols]; maxAbs = new float[cols]; }

        /** E[x_j^2] per feature. */
        public double[] meanSquare() {
            double[] m = new double[sumSq.length];
            for (int j = 0; j < m.length; j++) m[j] = sumSq[j] / Math.max(1, rows);
            return m;
        }

        /** Root mean square over all features and rows. */
        public double rms() {
            double s = 0;
            for (double v : sumSq) s += v;
            return Math.sqrt(s / Math.max(1, rows * sumSq.length));
        }

        /** Fraction of features whose |x| ever exceeds {@code threshold}. */
        public double fractionAbove(double threshold) {
            int n = 0;
            for (float m : maxAbs) if (m > threshold) n++;
            return (double) n / maxAbs.length;
        }

        /** Largest |x| over the largest feature, divided by the RMS: how far the worst outlier sticks out. */
        public double peakToRms() {
            float m = 0;
            for (float v : maxAbs) m = Math.max(m, v);
            double r = rms();
            return r == 0 ? 0 : m / r;
        }

        public long rows() { return rows; }
    }

    private final Map<String, Input> inputs = new HashMap<>();

    @Override public synchronized void observe(String weightName, float[] x, int rows, int cols) {
        Input in = inputs.computeIfAbsent(weightName, k -> new Input(cols));
        if (in.sumSq.length != cols) throw new IllegalArgumentException(weightName + ": input width changed from " + in.sumSq.length + " to " + cols);
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j++) {
                float v = x[r * cols + j];
                in.sumSq[j] += (double) v * v;
                in.maxAbs[j] = Math.max(in.maxAbs[j], Math.abs(v));
            }
        }
        in.rows += rows;
    }

    /** Statistics of the input of {@code weightName}, or {@code null} if it was never observed. */
    public Input of(String weightName) { return inputs.get(weightName); }
}
