package dev.minerva.cli;

import dev.minerva.backend.cuda.GpuCheck;
import dev.minerva.record.GitState;
import dev.minerva.record.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** gpu-check's Tablesaw-free CSV and its atomic run folder. */
class GpuCheckReportTest {

    @Test
    void csvQuotesAndRecordsAtomically(@TempDir Path out) throws Exception {
        List<GpuCheck.Row> rows = List.of(
                new GpuCheck.Row("conformance", "matmul gemv vs float64", "Q4_0", "1x768x2048", 3.2e-7, "rel-err", 1e-5, "pass", ""),
                new GpuCheck.Row("bench", "gemv batch 1", "F16", "8192x4096", 2710.5, "GB/s", Double.NaN, "info", "11.2 us, 90% of copy, \"warm\""));
        String csv = GpuCheckReport.csv(rows, "NVIDIA H100, sm_90");
        String[] lines = csv.split("\n");
        assertEquals(3, lines.length, csv);
        assertEquals(String.join(",", GpuCheckReport.HEADER), lines[0]);
        assertTrue(lines[2].contains("\"11.2 us, 90% of copy, \"\"warm\"\"\""), lines[2]);
        assertTrue(lines[2].endsWith("\"NVIDIA H100, sm_90\""), lines[2]);
        assertTrue(lines[2].contains(",GB/s,,info,"), "NaN limit is an empty field: " + lines[2]);

        Run begun = Run.begin("gpu-check", Map.of("seed", 1), 1, "cuda", null, out)
                .withGit(new GitState("0123456789abcdef0123456789abcdef01234567", false));   // the carried commit, as on a GPU machine
        Path dir = GpuCheckReport.record(out, begun, rows, "dev");
        assertEquals(out.resolve("datasets/results/gpu-check"), dir.getParent());
        assertEquals(csv.replace("NVIDIA H100, sm_90", "dev").replace("\"dev\"", "dev"), Files.readString(dir.resolve("results.csv")));
        String runJson = Files.readString(dir.resolve("run.json"));
        assertTrue(runJson.contains("\"gpu-check\""));
        assertTrue(runJson.contains("0123456789abcdef0123456789abcdef01234567"), runJson);
        try (var s = Files.list(dir.getParent())) {
            assertEquals(1, s.count(), "no temporary folder may remain");
        }
        assertTrue(GpuCheckReport.table(rows).contains("gemv batch 1"));
    }
}
