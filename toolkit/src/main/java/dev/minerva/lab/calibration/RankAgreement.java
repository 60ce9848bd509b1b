package dev.minerva.lab.calibration;

import org.apache.commons.math3.stat.correlation.KendallsCorrelation;
import org.apache.commons.math3.stat.correlation.SpearmansCorrelation;

/**
 * How well a cheap proxy ranks tensors compared with the measured sensitivity: Spearman's rho and
 * Kendall's tau-b (Commons Math) over the same list of (tensor, format) cells.
 *
 * @param spearman Spearman rank correlation
 * @param kendall  Kendall tau-b
 * @param n        number of cells compared
 */
public record RankAgreement(double spearman, double kendall, int n) {

    /** @throws IllegalArgumentException if the arrays differ in length or hold fewer than 3 values */
    public static RankAgreement of(double[] proxy, double[] measured) {
        if (proxy.length != measured.length) throw new IllegalArgumentException("lengths differ: " + proxy.length + " vs " + measured.length);
        if (proxy.length < 3) throw new IllegalArgumentException("need at least 3 values, got " + proxy.length);
        return new RankAgreement(new SpearmansCorrelation().correlation(proxy, measured),
                new KendallsCorrelation().correlation(proxy, measured), proxy.length);
    }
}
