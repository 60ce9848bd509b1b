package dev.minerva.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.commons.math3.stat.descriptive.rank.Median;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The summary {@code minerva bench --repeat N} prints and records ({@code summary.csv}): per batch size, the median,
 * min and max over the runs of each figure, ratios taken run by run (each run's decode over the triad measured just
 * before it), so that a slow minute of the machine moves a run and its yardstick together.
 */
final class BenchSummary {
    private BenchSummary() {}

    /** The figures summarised, by their JSON field names, with the names printed for them. */
    private static final String[][] FIGURES = {
            {"prefillTokensPerSecond", "prefill t/s"}, {"decodeTokensPerSecond", "decode t/s"},
            {"decodePercentOfTriad", "decode % of triad"}, {"decodePercentOfDeviceCopy", "decode % of device copy"},
            {"prefillPercentOfFma", "prefill % of FMA peak"}, {"speedup", "prefill ÷ decode per token"},
            {"triadBytesPerSecond", "triad GB/s"}, {"fmaFlopsPerSecond", "FMA peak GFLOP/s"}};

    /**
     * Median, min and max over the repeats of each batch size (Commons Math percentiles): one row per (batch, figure),
     * figures that are NaN in every run (a yardstick not measured) left out.
     */
    static Table of(List<ObjectNode> rows) {
        var batch = IntColumn.create("batch");
        var figure = StringColumn.create("figure");
        var runs = IntColumn.create("runs");
        var median = DoubleColumn.create("median");
        var min = DoubleColumn.create("min");
        var max = DoubleColumn.create("max");
        Map<Integer, List<ObjectNode>> byBatch = new TreeMap<>();
        for (ObjectNode r : rows) byBatch.computeIfAbsent(r.get("batch").asInt(), b -> new ArrayList<>()).add(r);
        byBatch.forEach((b, rs) -> {
            for (String[] f : FIGURES) {
                double[] v = rs.stream().mapToDouble(r -> f[0].equals("speedup")
                        ? r.get("prefillTokensPerSecond").asDouble() / r.get("decodeTokensPerSecond").asDouble()
                        : r.get(f[0]).asDouble()).filter(x -> !Double.isNaN(x)).toArray();
                if (v.length == 0) continue;
                double scale = f[0].endsWith("BytesPerSecond") || f[0].endsWith("FlopsPerSecond") ? 1e-9 : 1;
                batch.append(b);
                figure.append(f[1]);
                runs.append(v.length);
                median.append(new Median().evaluate(v) * scale);
                min.append(Arrays.stream(v).min().getAsDouble() * scale);
                max.append(Arrays.stream(v).max().getAsDouble() * scale);
            }
        });
        return Table.create("summary", batch, figure, runs, median, min, max);
    }

    /** The summary as {@code bench} prints it, one line per (batch, figure). */
    static void print(Table t, int repeat) {
        System.out.printf("summary      median (min–max) of %d runs%n", repeat);
        for (int i = 0; i < t.rowCount(); i++) {
            System.out.printf("             batch %-3d %-28s %9.2f  (%.2f–%.2f)%n", t.intColumn("batch").get(i), t.stringColumn("figure").get(i),
                    t.doubleColumn("median").get(i), t.doubleColumn("min").get(i), t.doubleColumn("max").get(i));
        }
    }
}
