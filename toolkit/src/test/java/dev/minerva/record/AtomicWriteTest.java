package dev.minerva.record;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.Table;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** A run killed while writing leaves no visible result folder and no paper figure. */
class AtomicWriteTest {

    @Test
    void killedWriterLeavesNoPartialRun(@TempDir Path out) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process child = new ProcessBuilder(java, "-Djava.awt.headless=true", "-cp", System.getProperty("java.class.path"),
                SlowRecorderMain.class.getName(), out.toString()).redirectErrorStream(true).start();
        BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        String line;
        StringBuilder seen = new StringBuilder();
        while ((line = r.readLine()) != null) {
            seen.append(line).append('\n');
            if (line.startsWith("WROTE ")) break;
        }
        assertNotNull(line, "child never started writing; output:\n" + seen);
        Path studyDir = Locations.studyResults(out, "slow");
        try (Stream<Path> s = Files.list(studyDir)) {
            assertTrue(s.anyMatch(AtomicFiles::isTemporary), "mid-write there should be a hidden temporary folder");
        }
        child.destroyForcibly();
        assertTrue(child.waitFor(30, TimeUnit.SECONDS), "child did not die");

        try (Stream<Path> s = Files.list(studyDir)) {
            List<Path> visible = s.filter(p -> !AtomicFiles.isTemporary(p)).toList();
            assertEquals(List.of(), visible, "a killed run must leave no visible result folder");
        }
        assertTrue(new ResultStore(out).latest("slow").isEmpty());
        assertFalse(Files.exists(Locations.paperFigures(out, "slowpaper")), "no paper figure from a killed run");

        // the next run sweeps the dead run's temporary and publishes normally
        RecordedRun ok = RunRecorder.begin(out, "slow", Map.of("n", 1), 2, "none", null)
                .results(Table.create("t", DoubleColumn.create("x", 7))).commit();
        try (Stream<Path> s = Files.list(studyDir)) {
            assertEquals(List.of(ok.dir()), s.toList(), "stale temporary swept, one complete run left");
        }
    }

    @Test
    void atomicFileWriteReplaces(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("a.txt");
        AtomicFiles.write(f, "one".getBytes(StandardCharsets.UTF_8));
        AtomicFiles.write(f, "two".getBytes(StandardCharsets.UTF_8));
        assertEquals("two", Files.readString(f));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(1, s.count(), "no temporaries left");
        }
    }
}
