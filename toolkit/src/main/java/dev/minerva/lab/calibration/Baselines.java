package dev.minerva.lab.calibration;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fixed plans to compare against: one format everywhere, and the common heuristic "first and last
 * layers plus embeddings/classifier at 8 bits, the rest at 4 bits". Where a format cannot store a
 * tensor (a block or group size that does not divide its row, e.g. stories260K's w2 with 172
 * inputs), the tensor falls back to the first of int8_pc, f16, f32 that can.
 */
public final class Baselines {
    private Baselines() {}

    static final List<String> FALLBACK = List.of("int8_pc", "f16", "f32");

    /** The format {@code t} gets when {@code wanted} is asked for. */
    public static String fit(QuantTarget t, String wanted) {
        if (t.accepts(WeightFormats.get(wanted))) return wanted;
        for (String f : FALLBACK) if (t.accepts(WeightFormats.get(f))) return f;
        throw new IllegalStateException("no format fits " + t);
    }

    /** {@code format} for every tensor (with fallbacks). */
    public static Map<String, String> uniform(List<QuantTarget> targets, String format) {
        Map<String, String> m = new LinkedHashMap<>();
        for (QuantTarget t : targets) m.put(t.name(), fit(t, format));
        return m;
    }

    /** {@code high} for layer 0, the last layer and non-layer tensors; {@code low} elsewhere. */
    public static Map<String, String> keepEnds(List<QuantTarget> targets, String high, String low) {
        int last = targets.stream().mapToInt(QuantTarget::layer).max().orElse(0);
        Map<String, String> m = new LinkedHashMap<>();
        for (QuantTarget t : targets) {
            boolean end = t.layer() < 0 || t.layer() == 0 || t.layer() == last;
            m.put(t.name(), fit(t, end ? high : low));
        }
        return m;
    }

    /** How many tensors did not get {@code wanted} ("" when all did). */
    public static String fallbacks(List<QuantTarget> targets, Map<String, String> plan, String... wanted) {
        long n = targets.stream().filter(t -> !List.of(wanted).contains(plan.get(t.name()))).count();
        return n == 0 ? "" : n + " tensors fall back";
    }
}
