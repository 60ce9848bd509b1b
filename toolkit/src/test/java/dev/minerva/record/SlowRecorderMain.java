package dev.minerva.record;

import org.knowm.xchart.XYChart;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.Table;

import java.nio.file.Path;
import java.util.Map;

/**
 * Child process for {@link AtomicWriteTest}: records a run into {@code args[0]} and sleeps after every
 * file it writes, printing {@code WROTE <file>}, so the parent can kill it mid-write.
 */
public final class SlowRecorderMain {
    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        RunRecorder rec = RunRecorder.begin(out, "slow", Map.of("n", 3), 1, "none", null);
        rec.results(Table.create("t", DoubleColumn.create("x", 1, 2, 3)));
        rec.table("second", Table.create("u", DoubleColumn.create("y", 4, 5)));
        XYChart chart = new XYChart(200, 150);
        chart.addSeries("s", new double[]{1, 2}, new double[]{3, 4});
        rec.figure("slowpaper", "fig", chart);
        rec.onFileWritten(p -> {
            System.out.println("WROTE " + p.getFileName());
            System.out.flush();
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        rec.commit();
    }
}
