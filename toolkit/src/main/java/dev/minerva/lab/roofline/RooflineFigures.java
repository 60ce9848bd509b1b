package dev.minerva.lab.roofline;

import dev.minerva.record.FigureRegistry;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import tech.tablesaw.api.Row;
import tech.tablesaw.api.Table;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The study's charts, drawn only from its recorded tables ({@code hardware.csv}, {@code results.csv},
 * {@code ceilings.csv}), so a figure re-rendered from a recorded run is the figure the run made.
 * Figure ids: {@code roofline-<hardware>} and {@code tokens-vs-batch-<hardware>}.
 */
public final class RooflineFigures {
    private RooflineFigures() {}

    public static final String ROOFLINE = "roofline-";
    public static final String TOKENS_VS_BATCH = "tokens-vs-batch-";
    private static final int W = 900, H = 620;

    /** Registers both figure kinds for every catalog device (and this machine). */
    public static void register(FigureRegistry r) {
        for (String hw : HardwareCatalog.names()) {
            r.register(ROOFLINE + hw, (spec, t) -> roofline(hw, t.get("hardware.csv"), t.get("results.csv"), List.of()));
            r.register(TOKENS_VS_BATCH + hw, (spec, t) -> tokensVsBatch(hw, t.get("hardware.csv"), t.get("ceilings.csv")));
        }
    }

    /**
     * Log-log roofline of one device: the memory slope and the fp32-vector, fp16- and int8-tensor roofs
     * as lines (a rate equal to one already drawn is not repeated: CPUs and Apple GPUs have one); each op of each recorded workload as a point at (intensity, attainable FLOP/s);
     * {@code measured} points (benchmarks) as a separate series.
     *
     * @throws IllegalArgumentException when the tables hold no row for {@code hw}
     */
    public static XYChart roofline(String hw, Table hardware, Table ops, List<MeasuredPoint> measured) {
        Row spec = hardwareRow(hardware, hw);
        double bw = spec.getNumber("bandwidth_gbs") * 1e9;
        XYChart c = new XYChart(W, H);
        c.setTitle("Roofline: " + spec.getString("name") + (spec.getBoolean("measured") ? " (measured)" : ""));
        c.setXAxisTitle("arithmetic intensity (FLOP/byte)");
        c.setYAxisTitle("attainable TFLOP/s");
        c.getStyler().setXAxisLogarithmic(true).setYAxisLogarithmic(true)
                .setLegendPosition(Styler.LegendPosition.InsideSE).setMarkerSize(7);
        double[] xs = logGrid(0.05, 20000, 160);
        Map<String, Double> roofs = new LinkedHashMap<>();
        roofs.put("fp32 vector", spec.getNumber("fp32_tflops"));   // first: kept when a device has one rate for all
        roofs.put("fp16 tensor", spec.getNumber("fp16_tflops"));
        roofs.put("int8 tensor", spec.getNumber("int8_tops"));
        List<Double> seen = new ArrayList<>();
        for (Map.Entry<String, Double> e : roofs.entrySet()) {
            if (seen.contains(e.getValue())) continue;   // identical roofs (CPUs, Apple) drawn once
            seen.add(e.getValue());
            double peak = e.getValue() * 1e12;
            double[] ys = new double[xs.length];
            for (int i = 0; i < xs.length; i++) ys[i] = Math.min(peak, bw * xs[i]) / 1e12;
            String label = String.format(java.util.Locale.ROOT, "%s %.4g TFLOP/s (ridge %.3g FLOP/B)", e.getKey(), e.getValue(), peak / bw);
            XYSeries s = c.addSeries(label, xs, ys);
            s.setMarker(SeriesMarkers.NONE);
        }
        Table mine = ops.where(ops.stringColumn("hardware").isEqualTo(hw));
        if (mine.rowCount() == 0) throw new IllegalArgumentException("results.csv has no ops for hardware '" + hw + "'");
        Map<String, List<double[]>> groups = new LinkedHashMap<>();
        for (Row r : mine) {
            double flops = r.getNumber("flops"), bytes = r.getNumber("bytes"), time = r.getNumber("time_s");
            if (flops <= 0) continue;                      // data movement only (embedding, kv_write): not on a log plot
            String key = r.getString("model") + " " + r.getString("weights") + " " + r.getString("phase").toLowerCase()
                    + " b=" + (int) r.getNumber("batch") + " ctx=" + (int) r.getNumber("context");
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(new double[]{flops / bytes, flops / time / 1e12});
        }
        for (Map.Entry<String, List<double[]>> g : groups.entrySet()) {
            XYSeries s = c.addSeries(g.getKey(), g.getValue().stream().mapToDouble(p -> p[0]).toArray(),
                    g.getValue().stream().mapToDouble(p -> p[1]).toArray());
            s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        }
        if (!measured.isEmpty()) {
            XYSeries s = c.addSeries("measured", measured.stream().mapToDouble(MeasuredPoint::intensity).toArray(),
                    measured.stream().mapToDouble(p -> p.flopsPerSecond() / 1e12).toArray());
            s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            s.setMarker(SeriesMarkers.CROSS);
        }
        return c;
    }

    /**
     * Decode tokens/s ceiling against batch (log-log), one line per model × weight precision.
     *
     * @throws IllegalArgumentException when the tables hold no row for {@code hw}
     */
    public static XYChart tokensVsBatch(String hw, Table hardware, Table ceilings) {
        Row spec = hardwareRow(hardware, hw);
        Table mine = ceilings.where(ceilings.stringColumn("hardware").isEqualTo(hw));
        if (mine.rowCount() == 0) throw new IllegalArgumentException("ceilings.csv has no rows for hardware '" + hw + "'");
        XYChart c = new XYChart(W, H);
        c.setTitle("Decode tokens/s ceiling vs batch: " + spec.getString("name") + " (ctx " + (int) mine.numberColumn("context").getDouble(0) + ")");
        c.setXAxisTitle("batch (sequences)");
        c.setYAxisTitle("tokens/s (all sequences)");
        c.getStyler().setXAxisLogarithmic(true).setYAxisLogarithmic(true)
                .setLegendPosition(Styler.LegendPosition.InsideNW).setMarkerSize(5);
        Map<String, List<double[]>> lines = new LinkedHashMap<>();
        for (Row r : mine) {
            lines.computeIfAbsent(r.getString("model") + " " + r.getString("weights"), k -> new ArrayList<>())
                    .add(new double[]{r.getNumber("batch"), r.getNumber("tokens_per_s")});
        }
        for (Map.Entry<String, List<double[]>> e : lines.entrySet()) {
            c.addSeries(e.getKey(), e.getValue().stream().mapToDouble(p -> p[0]).toArray(),
                    e.getValue().stream().mapToDouble(p -> p[1]).toArray());
        }
        return c;
    }

    private static Row hardwareRow(Table hardware, String hw) {
        Table t = hardware.where(hardware.stringColumn("id").isEqualTo(hw));
        if (t.rowCount() == 0) throw new IllegalArgumentException("hardware.csv has no device '" + hw + "'");
        return t.row(0);
    }

    private static double[] logGrid(double from, double to, int n) {
        double[] xs = new double[n];
        double a = Math.log(from), b = Math.log(to);
        for (int i = 0; i < n; i++) xs[i] = Math.exp(a + (b - a) * i / (n - 1));
        return xs;
    }
}
