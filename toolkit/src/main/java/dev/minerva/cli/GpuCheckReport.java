package dev.minerva.cli;

import dev.minerva.backend.cuda.GpuCheck;
import dev.minerva.record.AtomicFiles;
import dev.minerva.record.Locations;
import dev.minerva.record.Run;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * gpu-check's table and its recorded run, written without Tablesaw so that the runtime carried to a
 * GPU machine stays small (Tablesaw's dependencies are ~45 MB of jars): the same folder layout as
 * {@code RunRecorder} ({@code datasets/results/gpu-check/<run-id>/results.csv + run.json}, assembled in
 * a hidden temporary folder and renamed into place).
 */
final class GpuCheckReport {
    private GpuCheckReport() {}

    static final String[] HEADER = {"section", "name", "dtype", "shape", "value", "unit", "limit", "status", "detail", "device"};

    /** An aligned text table for the terminal. */
    static String table(List<GpuCheck.Row> rows) {
        StringBuilder sb = new StringBuilder();
        String fmt = "%-11s %-40s %-6s %-26s %12s %-10s %-6s %s%n";
        sb.append(String.format(fmt, "section", "name", "dtype", "shape", "value", "unit", "status", "detail"));
        for (GpuCheck.Row r : rows) {
            sb.append(String.format(Locale.ROOT, fmt, r.section(), r.name(), r.dtype(), r.shape(),
                    String.format(Locale.ROOT, "%.4g", r.value()), r.unit(), r.status(), r.detail() == null ? "" : r.detail()));
        }
        return sb.toString();
    }

    /** RFC 4180 CSV of the rows. */
    static String csv(List<GpuCheck.Row> rows, String device) {
        StringBuilder sb = new StringBuilder(String.join(",", HEADER)).append('\n');
        for (GpuCheck.Row r : rows) {
            String[] f = {r.section(), r.name(), r.dtype(), r.shape(), num(r.value()), r.unit(), num(r.limit()), r.status(),
                    r.detail() == null ? "" : r.detail(), device};
            for (int i = 0; i < f.length; i++) {
                if (i > 0) sb.append(',');
                sb.append(quote(f[i]));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static String num(double v) { return Double.isNaN(v) ? "" : Double.toString(v); }

    private static String quote(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0) return s;
        return '"' + s.replace("\"", "\"\"") + '"';
    }

    /** Finishes {@code begun} and writes its folder atomically; returns it. */
    static Path record(Path out, Run begun, List<GpuCheck.Row> rows, String device) throws IOException {
        Run run = begun.finish();
        Path studyDir = Locations.studyResults(out, "gpu-check");
        Files.createDirectories(studyDir);
        AtomicFiles.sweepStale(studyDir);
        Path tmp = AtomicFiles.tempDir(studyDir, run.id());
        Files.writeString(tmp.resolve("results.csv"), csv(rows, device), StandardCharsets.UTF_8);
        Files.writeString(tmp.resolve("run.json"), run.toJson(), StandardCharsets.UTF_8);   // last: marks the folder complete
        Path target = studyDir.resolve(run.id());
        AtomicFiles.publishDir(tmp, target);
        return target;
    }
}
