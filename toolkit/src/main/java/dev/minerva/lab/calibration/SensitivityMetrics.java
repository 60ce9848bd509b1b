package dev.minerva.lab.calibration;

import java.util.List;

/** The registry of {@link SensitivityMetric}s: the two measured ones first, then the proxies. */
public final class SensitivityMetrics {
    private SensitivityMetrics() {}

    public static List<SensitivityMetric> all() {
        return List.of(new MeasuredKlMetric(), new MeasuredPplMetric(), new ImatrixMetric(), new OutlierMetric(), new WeightMseMetric());
    }

    public static List<SensitivityMetric> proxies() {
        return all().stream().filter(m -> !m.measured()).toList();
    }
}
