package dev.minerva.lab.calibration;

import dev.minerva.model.Weights;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.util.ArrayList;
import java.util.List;

/**
 * How long measured sensitivities take on a large model: the reference pass, then the measured-KL
 * cell (fake-quantise one tensor, one forward over the calibration chunk, KL against the reference)
 * for {@code n} tensors spread evenly over the model. Speed depends on shapes, not values, so a
 * random-weight model at a real configuration (from {@code minerva synth}) is a fair subject; its
 * quality numbers mean nothing.
 */
public final class SensitivityTiming {
    private SensitivityTiming() {}

    /** @return one row per timed tensor (seconds per cell) plus a first row for the reference pass */
    public static Table run(Weights w, CausalModel model, int[] chunk, WeightFormat format, int n) {
        Table t = Table.create("timing", StringColumn.create("step"), IntColumn.create("rows"), IntColumn.create("cols"),
                DoubleColumn.create("seconds"));
        long t0 = System.nanoTime();
        ActivationStats stats = new ActivationStats();
        QualityEvaluator ev = new QualityEvaluator(model, List.of(chunk), w, stats);
        add(t, "reference pass (+ activation statistics)", 0, 0, (System.nanoTime() - t0) / 1e9);
        SensitivityContext ctx = new SensitivityContext(w, stats, ev);
        List<QuantTarget> all = new ArrayList<>(QuantTarget.of(w).stream().filter(q -> q.accepts(format)).toList());
        int k = Math.min(n, all.size());
        for (int i = 0; i < k; i++) {
            QuantTarget q = all.get((int) ((long) i * (all.size() - 1) / Math.max(1, k - 1)));
            long s = System.nanoTime();
            ctx.measure(q, format);
            add(t, q.name(), q.rows(), q.cols(), (System.nanoTime() - s) / 1e9);
        }
        return t;
    }

    private static void add(Table t, String step, int rows, int cols, double s) {
        t.stringColumn("step").append(step);
        t.intColumn("rows").append(rows);
        t.intColumn("cols").append(cols);
        t.doubleColumn("seconds").append(s);
    }
}
