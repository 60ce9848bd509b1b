package dev.minerva.lab.engine;

import dev.minerva.record.FigureRegistry;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.style.Styler;
import tech.tablesaw.api.Row;
import tech.tablesaw.api.Table;

import java.awt.Color;
import java.util.ArrayList;
import java.util.List;

/**
 * The engine study's charts, drawn only from its recorded tables ({@code results.csv}: speed,
 * {@code formats.csv}: accuracy), so a figure re-rendered from a recorded run is the figure the run made.
 */
public final class EngineFigures {
    private EngineFigures() {}

    public static final String DECODE_VS_CEILING = "engine-decode-vs-ceiling";
    public static final String ACCURACY = "engine-accuracy";
    public static final String DECODE_VS_BATCH = "engine-decode-vs-batch";

    /** Registers the figures. */
    public static void register(FigureRegistry r) {
        r.register(DECODE_VS_CEILING, (spec, t) -> decodeVsCeiling(table(t, "results.csv")));
        r.register(ACCURACY, (spec, t) -> accuracy(table(t, "formats.csv")));
        r.register(DECODE_VS_BATCH, (spec, t) -> decodeVsBatch(table(t, "batching.csv")));
    }

    /**
     * Decode tokens/s (all sequences together) against batch size: one group of bars per model × dtype, one bar per
     * batch size, each labelled with its tokens/s.
     *
     * @throws IllegalArgumentException when the table has no rows
     */
    public static CategoryChart decodeVsBatch(Table batching) {
        if (batching.rowCount() == 0) throw new IllegalArgumentException("batching.csv has no rows");
        java.util.Map<Integer, java.util.Map<String, Double>> byBatch = new java.util.TreeMap<>();
        List<String> labels = new ArrayList<>();
        String model = "";
        for (Row r : batching) {
            String label = r.getString("model") + " " + r.getString("dtype");
            if (!labels.contains(label)) labels.add(label);
            byBatch.computeIfAbsent((int) r.getNumber("batch"), b -> new java.util.HashMap<>()).put(label, r.getNumber("decode_tps"));
            model = r.getString("model");
        }
        CategoryChart c = new CategoryChartBuilder().width(900).height(520)
                .title("Decode tokens/s against batch size on this machine (" + model + ", sequences in lockstep)")
                .xAxisTitle("model, weight dtype").yAxisTitle("decode tokens/s, all sequences").build();
        style(c, Styler.LegendPosition.OutsideS, "#,##0");
        Color[] colors = {new Color(160, 180, 230), new Color(80, 120, 210), new Color(30, 50, 150), new Color(10, 20, 80)};
        int i = 0;
        for (var e : byBatch.entrySet()) {
            List<Double> y = new ArrayList<>();
            for (String l : labels) y.add(e.getValue().getOrDefault(l, 0.0));
            CategorySeries s = c.addSeries("batch " + e.getKey(), labels, y);
            s.setFillColor(colors[Math.min(i++, colors.length - 1)]);
        }
        return c;
    }

    /**
     * Measured decode tokens/s beside the memory-bandwidth ceiling (triad ÷ weight bytes per token), one pair of
     * bars per model × dtype, log scale.
     *
     * @throws IllegalArgumentException when the table has no rows
     */
    public static CategoryChart decodeVsCeiling(Table speed) {
        if (speed.rowCount() == 0) throw new IllegalArgumentException("results.csv has no speed rows");
        List<String> labels = new ArrayList<>();
        List<Double> measured = new ArrayList<>(), ceiling = new ArrayList<>();
        double triadMin = Double.POSITIVE_INFINITY, triadMax = 0;
        for (Row r : speed) {
            labels.add(r.getString("model") + " " + r.getString("dtype"));
            measured.add(r.getNumber("decode_tps"));
            ceiling.add(r.getNumber("ceiling_tps"));
            triadMin = Math.min(triadMin, r.getNumber("triad_gbs"));
            triadMax = Math.max(triadMax, r.getNumber("triad_gbs"));
        }
        // each row's ceiling uses the triad measured beside it (older runs: one triad for all rows)
        String triad = String.format(triadMax - triadMin < 0.05 ? "triad %.1f GB/s" : "triad %.1f–%.1f GB/s beside each run", triadMin, triadMax);
        CategoryChart c = new CategoryChartBuilder().width(900).height(560)
                .title("Batch-1 decode on this machine vs bandwidth ceiling (" + triad + ")")
                .xAxisTitle("model, weight dtype").yAxisTitle("decode tokens/s (log scale)").build();
        style(c, Styler.LegendPosition.OutsideS, "#,##0");
        // XChart draws log-scale bars from the axis minimum, which must be > 0: a power of ten below the data
        double low = Math.min(measured.stream().mapToDouble(Double::doubleValue).min().orElse(1),
                ceiling.stream().mapToDouble(Double::doubleValue).min().orElse(1));
        if (!(low > 0)) throw new IllegalArgumentException("results.csv: decode and ceiling tokens/s must be > 0 for a log scale, got " + low);
        c.getStyler().setYAxisLogarithmic(true);
        c.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(low))));
        CategorySeries m = c.addSeries("measured decode tokens/s", labels, measured);
        m.setFillColor(new Color(40, 80, 200));
        CategorySeries k = c.addSeries("ceiling: triad bandwidth ÷ weight bytes per token", labels, ceiling);
        k.setFillColor(new Color(200, 200, 200));
        return c;
    }

    /**
     * Accuracy cost of each format and dtype against the llama2.c F32 model on the evaluation slice: Δ perplexity
     * (%) and top-1 disagreement (100 − top-1 agreement, %), both "lower is better".
     *
     * @throws IllegalArgumentException when the table has no rows
     */
    public static CategoryChart accuracy(Table formats) {
        if (formats.rowCount() == 0) throw new IllegalArgumentException("formats.csv has no rows");
        List<String> labels = new ArrayList<>();
        List<Double> dppl = new ArrayList<>(), disagree = new ArrayList<>();
        int tokens = 0;
        for (Row r : formats) {
            labels.add(r.getString("format") + " " + r.getString("dtype"));
            dppl.add(r.getNumber("dppl_pct"));
            disagree.add(100 * (1 - r.getNumber("top1_agreement")));
            tokens = (int) r.getNumber("eval_tokens");
        }
        CategoryChart c = new CategoryChartBuilder().width(900).height(520)
                .title("stories260K: accuracy vs the llama2.c F32 model (" + tokens + " evaluation tokens)")
                .xAxisTitle("format, weight dtype").yAxisTitle("% (lower is better)").build();
        style(c, Styler.LegendPosition.OutsideS, "0.##");
        CategorySeries p = c.addSeries("Δ perplexity vs F32 (%)", labels, dppl);
        p.setFillColor(new Color(200, 30, 30));
        CategorySeries a = c.addSeries("top-1 disagreement with F32 (%)", labels, disagree);
        a.setFillColor(new Color(230, 140, 20));
        return c;
    }

    private static void style(CategoryChart c, Styler.LegendPosition legend, String yPattern) {
        c.getStyler().setLegendPosition(legend);
        c.getStyler().setYAxisDecimalPattern(yPattern);
        c.getStyler().setAvailableSpaceFill(0.7);
        c.getStyler().setXAxisLabelRotation(20);   // "stories110m (synthetic) Q8_0" and its neighbours would overlap
        c.getStyler().setOverlapped(false);
        c.getStyler().setLabelsVisible(true);
        c.getStyler().setLabelsFontColorAutomaticEnabled(false);
        c.getStyler().setLabelsFontColor(Color.DARK_GRAY);
        c.getStyler().setLabelsRotation(0);
    }

    private static Table table(java.util.Map<String, Table> t, String name) {
        Table x = t.get(name);
        if (x == null) throw new IllegalArgumentException("figure needs " + name + " in its figures.json results");
        return x;
    }
}
