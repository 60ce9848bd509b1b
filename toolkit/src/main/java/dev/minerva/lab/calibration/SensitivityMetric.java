package dev.minerva.lab.calibration;

/**
 * How much quantising one tensor to one format hurts, as a single number (larger = more sensitive).
 * Measured metrics run the model; proxies use only the weights and one pass of activation statistics.
 */
public interface SensitivityMetric {

    /** Short id used as a column name and cache key ({@code measured_kl}, {@code imatrix}, …). */
    String id();

    /** Whether the value is measured by running the model (the reference the proxies are judged against). */
    boolean measured();

    /** The sensitivity of {@code target} stored as {@code format}, all other tensors at F32. */
    double score(SensitivityContext ctx, QuantTarget target, WeightFormat format);
}
