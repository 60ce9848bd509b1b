package dev.minerva.lab.calibration;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class StatsTest {

    @Test void tIntervalMatchesHandComputation() {
        double[] xs = {1, 2, 3, 4, 5};
        MeanCi ci = MeanCi.of(xs);
        assertEquals(3.0, ci.mean(), 1e-12);
        assertEquals(Math.sqrt(2.5), ci.sd(), 1e-12);
        // t(0.975, 4) = 2.776445105 (standard tables)
        assertEquals(2.776445105 * Math.sqrt(2.5) / Math.sqrt(5), ci.halfWidth(), 1e-6);
        assertTrue(Double.isNaN(MeanCi.of(new double[]{7}).halfWidth()));
        assertThrows(IllegalArgumentException.class, () -> MeanCi.of(new double[0]));
    }

    @Test void rankCorrelationWiring() {
        double[] measured = {0.1, 0.5, 0.2, 0.9, 0.05};
        double[] sameOrder = {1, 50, 3, 1000, 0};     // monotone transform → rho = tau = 1
        double[] reversed = {5, 2, 4, 1, 6};
        RankAgreement a = RankAgreement.of(sameOrder, measured);
        assertEquals(1.0, a.spearman(), 1e-12);
        assertEquals(1.0, a.kendall(), 1e-12);
        RankAgreement b = RankAgreement.of(reversed, measured);
        assertEquals(-1.0, b.spearman(), 1e-12);
        assertEquals(-1.0, b.kendall(), 1e-12);
        // one swapped pair among 5: tau = (9 - 1) / 10, rho = 1 - 6*2/(5*24)
        RankAgreement c = RankAgreement.of(new double[]{1, 4, 3, 5, 0}, new double[]{1, 3, 4, 5, 0});
        assertEquals(0.8, c.kendall(), 1e-12);
        assertEquals(0.9, c.spearman(), 1e-12);
    }
}
