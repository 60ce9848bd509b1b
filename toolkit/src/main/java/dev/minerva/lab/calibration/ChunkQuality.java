package dev.minerva.lab.calibration;

/**
 * Quality of a model on fixed-length text chunks, one value per chunk (each chunk is scored
 * independently, starting from BOS): mean next-token negative log-likelihood (nats) and mean
 * KL(reference ‖ model) of the next-token distribution.
 *
 * @param nll per-chunk mean NLL
 * @param kl  per-chunk mean KL divergence from the reference model (0 for the reference itself)
 */
public record ChunkQuality(double[] nll, double[] kl) {

    /** Perplexity over all chunks (equal-length chunks: exp of the mean NLL). */
    public double perplexity() { return Math.exp(mean(nll)); }

    /** Mean KL over all chunks. */
    public double meanKl() { return mean(kl); }

    /** Per-chunk perplexities. */
    public double[] chunkPerplexity() {
        double[] p = new double[nll.length];
        for (int i = 0; i < p.length; i++) p[i] = Math.exp(nll[i]);
        return p;
    }

    /** Relative perplexity change vs {@code ref} in percent, over the whole set. */
    public double deltaPplPercent(ChunkQuality ref) { return 100 * (perplexity() / ref.perplexity() - 1); }

    /** Paired per-chunk relative perplexity change vs {@code ref}, in percent, with its 95 % t-interval. */
    public MeanCi deltaPplPercentCi(ChunkQuality ref) {
        double[] d = new double[nll.length];
        for (int i = 0; i < d.length; i++) d[i] = 100 * (Math.exp(nll[i] - ref.nll[i]) - 1);
        return MeanCi.of(d);
    }

    /** Per-chunk perplexity with its 95 % t-interval. */
    public MeanCi perplexityCi() { return MeanCi.of(chunkPerplexity()); }

    /** Per-chunk KL with its 95 % t-interval. */
    public MeanCi klCi() { return MeanCi.of(kl); }

    static double mean(double[] a) {
        double s = 0;
        for (double x : a) s += x;
        return s / a.length;
    }
}
