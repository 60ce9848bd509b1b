package dev.minerva.lab.calibration;

import org.apache.commons.math3.distribution.TDistribution;

/**
 * A sample mean with its two-sided 95 % Student-t confidence interval
 * {@code mean ± t(0.975, n-1) * sd / sqrt(n)} ({@code sd} with the n-1 denominator).
 *
 * @param mean       sample mean
 * @param halfWidth  half-width of the 95 % interval ({@code NaN} when n &lt; 2)
 * @param sd         sample standard deviation
 * @param n          sample size
 */
public record MeanCi(double mean, double halfWidth, double sd, int n) {

    /** @throws IllegalArgumentException on an empty sample */
    public static MeanCi of(double[] xs) {
        if (xs.length == 0) throw new IllegalArgumentException("empty sample");
        double s = 0;
        for (double x : xs) s += x;
        double mean = s / xs.length;
        if (xs.length < 2) return new MeanCi(mean, Double.NaN, Double.NaN, xs.length);
        double ss = 0;
        for (double x : xs) ss += (x - mean) * (x - mean);
        double sd = Math.sqrt(ss / (xs.length - 1));
        double t = new TDistribution(xs.length - 1).inverseCumulativeProbability(0.975);
        return new MeanCi(mean, t * sd / Math.sqrt(xs.length), sd, xs.length);
    }

    public double low() { return mean - halfWidth; }
    public double high() { return mean + halfWidth; }

    @Override public String toString() { return String.format(java.util.Locale.ROOT, "%.5g ± %.2g (n=%d)", mean, halfWidth, n); }
}
