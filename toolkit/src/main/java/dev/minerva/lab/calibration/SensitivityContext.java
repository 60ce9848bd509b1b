package dev.minerva.lab.calibration;

import dev.minerva.model.Weights;
import dev.minerva.tensor.Tensor;

import java.lang.foreign.ValueLayout;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What metrics read: the F32 reference weights, activation statistics from the calibration pass,
 * and (for measured metrics) a {@link QualityEvaluator} on the calibration chunks. Measurements are
 * memoised per (tensor, format), so the KL and perplexity metrics share one forward pass.
 */
public final class SensitivityContext {
    private final Weights reference;
    private final ActivationStats stats;
    private final QualityEvaluator calibration;
    private final Map<String, float[]> f32 = new HashMap<>();
    private final Map<String, ChunkQuality> measured = new HashMap<>();
    private int forwardEvaluations;

    /** @param calibration may be null when only proxies are computed */
    public SensitivityContext(Weights reference, ActivationStats stats, QualityEvaluator calibration) {
        this.reference = reference;
        this.stats = stats;
        this.calibration = calibration;
    }

    public Weights reference() { return reference; }
    public ActivationStats stats() { return stats; }
    public QualityEvaluator calibration() { return calibration; }

    /** Number of quality evaluations (one forward pass over the calibration chunks each) run so far. */
    public int forwardEvaluations() { return forwardEvaluations; }

    /** The reference values of tensor {@code name} as floats (rows*cols), decoded once. */
    public synchronized float[] floats(String name) {
        return f32.computeIfAbsent(name, n -> toFloats(reference.get(n)));
    }

    static float[] toFloats(Tensor t) {
        float[] h = t.heapFloats();
        if (h != null) return h;
        if (t.dtype() != dev.minerva.tensor.DType.F32) throw new IllegalArgumentException("reference tensor " + t.name() + " is " + t.dtype() + ", not F32");
        return t.data().toArray(ValueLayout.JAVA_FLOAT_UNALIGNED);
    }

    /** Quality on the calibration chunks with only {@code target} stored as {@code format}. */
    public synchronized ChunkQuality measure(QuantTarget target, WeightFormat format) {
        return measure(List.of(target), format, target.name() + "|" + format.id());
    }

    /** Quality with every tensor of {@code targets} stored as {@code format} (e.g. a whole layer). */
    public synchronized ChunkQuality measure(List<QuantTarget> targets, WeightFormat format, String key) {
        if (calibration == null) throw new IllegalStateException("no calibration evaluator: measured metrics need the model");
        ChunkQuality q = measured.get(key);
        if (q != null) return q;
        Map<String, WeightFormat> plan = new LinkedHashMap<>();
        for (QuantTarget t : targets) plan.put(t.name(), format);
        q = calibration.evaluate(PlanWeights.fakeQuantised(reference, plan, this::floats));
        forwardEvaluations++;
        measured.put(key, q);
        return q;
    }

    /** The reference quality on the calibration chunks. */
    public ChunkQuality referenceQuality() { return calibration.reference(); }
}
