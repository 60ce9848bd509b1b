package dev.minerva.lab.calibration;

import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import tech.tablesaw.api.Row;
import tech.tablesaw.api.Table;

import java.awt.Color;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The study's figures, drawn from its recorded tables (so they re-render from CSV without re-running):
 * the Pareto chart (bits/weight vs Δppl with 95 % intervals) and the per-tensor sensitivity chart.
 */
public final class CalibrationFigures {
    private CalibrationFigures() {}

    /**
     * Bits per weight (x) vs relative perplexity change in percent (y, with 95 % CI error bars) for
     * every plan and baseline of a results table ({@link CalibrationStudy#planTable}).
     */
    public static XYChart pareto(Table results, String title) {
        XYChart c = new XYChartBuilder().width(900).height(560).title(title)
                .xAxisTitle("effective bits per weight (quantisable tensors, scales included)")
                .yAxisTitle("Δ perplexity vs F32 (%), mean ± 95 % CI over eval chunks").build();
        c.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        c.getStyler().setMarkerSize(9);
        c.getStyler().setXAxisLogarithmic(true);
        c.getStyler().setXAxisDecimalPattern("0.#");
        c.getStyler().setYAxisDecimalPattern("0.##");
        c.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
        // Tablesaw reuses one Row object while iterating: copy the values out
        Map<String, List<double[]>> byKind = new LinkedHashMap<>();
        for (Row r : results) {
            String kind = r.getString("kind");
            if (kind.equals("check") || kind.equals("rejected")) continue;
            double ci = r.getDouble("dppl_pct_ci95");
            byKind.computeIfAbsent(kind, k -> new ArrayList<>())
                    .add(new double[]{r.getDouble("bits_per_weight"), r.getDouble("dppl_pct"), Double.isNaN(ci) ? 0 : ci});
        }
        Map<String, Color> colours = Map.of("plan", new Color(200, 30, 30), "greedy", new Color(140, 60, 160), "plan-engine", new Color(120, 20, 20), "sweep", new Color(230, 140, 20),
                "baseline", new Color(40, 80, 200), "heuristic", new Color(40, 150, 60));
        for (Map.Entry<String, List<double[]>> e : byKind.entrySet()) {
            List<double[]> rows = new ArrayList<>(e.getValue());
            rows.sort(java.util.Comparator.comparingDouble(r -> r[0]));
            double[] x = rows.stream().mapToDouble(r -> r[0]).toArray();
            double[] y = rows.stream().mapToDouble(r -> r[1]).toArray();
            double[] err = rows.stream().mapToDouble(r -> r[2]).toArray();
            String label = switch (e.getKey()) {
                case "plan" -> "chosen plan (knapsack)";
                case "greedy" -> "greedy plan, same budget";
                case "plan-engine" -> "knapsack plan, engine-kernel formats only";
                case "sweep" -> "knapsack plans, bit-budget sweep";
                case "baseline" -> "uniform formats";
                case "heuristic" -> "8-bit ends, 4-bit rest";
                default -> e.getKey();
            };
            XYSeries s = c.addSeries(label, x, y, err);
            s.setMarker(e.getKey().equals("plan") ? SeriesMarkers.DIAMOND : e.getKey().equals("baseline") ? SeriesMarkers.SQUARE : SeriesMarkers.CIRCLE);
            Color col = colours.get(e.getKey());
            if (col != null) { s.setMarkerColor(col); s.setLineColor(col); }
            if (e.getKey().equals("sweep")) s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        }
        return c;
    }

    /** Measured ΔKL (log scale) per tensor (x = tensor index in load order), one series per format. */
    public static XYChart sensitivity(Table sens, String title) {
        XYChart c = new XYChartBuilder().width(900).height(520).title(title)
                .xAxisTitle("tensor: embeddings, classifier, then wq, wk, wv, wo, w1, w2, w3 — each for layers 0, 1, … in turn")
                .yAxisTitle("measured mean KL(F32 ‖ quantised), nats/token").build();
        c.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        c.getStyler().setYAxisLogarithmic(true);
        c.getStyler().setMarkerSize(7);
        c.getStyler().setXAxisDecimalPattern("0");
        c.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideE);
        List<String> tensors = new ArrayList<>();
        for (Row r : sens) if (!tensors.contains(r.getString("tensor"))) tensors.add(r.getString("tensor"));
        // a fixed order whatever the file's: embeddings, classifier, then by kind, layers ascending within a kind
        List<String> kinds = List.of("tok_embeddings", "wcls", "wq", "wk", "wv", "wo", "w1", "w2", "w3");
        tensors.sort(java.util.Comparator.comparingInt((String n) -> {
                    int k = kinds.indexOf(n.substring(n.lastIndexOf('.') + 1));
                    return k < 0 ? kinds.size() : k;
                }).thenComparingInt(n -> n.startsWith("layers.") ? Integer.parseInt(n.split("\\.")[1]) : -1));
        Map<String, List<double[]>> byFormat = new LinkedHashMap<>();
        for (Row r : sens) {
            byFormat.computeIfAbsent(r.getString("format"), k -> new ArrayList<>())
                    .add(new double[]{tensors.indexOf(r.getString("tensor")), Math.max(1e-9, r.getDouble("measured_kl"))});
        }
        for (Map.Entry<String, List<double[]>> e : byFormat.entrySet()) {
            c.addSeries(e.getKey(), e.getValue().stream().mapToDouble(v -> v[0]).toArray(), e.getValue().stream().mapToDouble(v -> v[1]).toArray());
        }
        return c;
    }

    /** Registers this study's figures for {@code minerva reproduce --render-only}. */
    public static void register(dev.minerva.record.FigureRegistry r) {
        r.register("precision-pareto", (spec, tables) -> pareto(tables.get("results.csv"), "Precision plans vs uniform formats"));
        r.register("precision-sensitivity", (spec, tables) -> sensitivity(tables.get("sensitivity.csv"), "Per-tensor sensitivity (one tensor quantised at a time)"));
    }
}
