package dev.minerva.record;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class RunRecorderTest {

    record Cfg(String model, int batch, double[] xs) {}

    @Test
    void roundTripTablesFiguresAndProvenance(@TempDir Path out) throws Exception {
        Path model = out.resolve("model.bin");
        Files.writeString(model, "abc");
        Table t = Table.create("results", StringColumn.create("op", "wq", "wk"), DoubleColumn.create("flops", 8.0e6, 1.0e6));
        XYChart chart = new XYChart(300, 200);
        chart.addSeries("s", new double[]{1, 2, 3}, new double[]{1, 4, 9});
        RecordedRun rr = RunRecorder.begin(out, "demo", new Cfg("tiny", 4, new double[]{0.5}), 42, "cpu", model)
                .results(t).table("extra", t).figure("demopaper", "squares", chart).figure(null, "own", chart).commit();

        assertTrue(rr.dir().getFileName().toString().matches("\\d{8}-\\d{6}-[0-9a-f]{7}"), rr.dir().toString());
        Run run = Run.read(rr.dir().resolve("run.json"));
        assertEquals(rr.run().id(), run.id());
        assertEquals("demo", run.study());
        assertEquals(42, run.seed());
        assertEquals("cpu", run.backend());
        // sha256("abc")
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", run.modelSha256());
        assertNotNull(run.start());
        assertNotNull(run.end());
        assertEquals(4, run.config().get("batch").asInt());
        assertEquals("tiny", run.config(Cfg.class).model());
        assertNotNull(run.git().commit());
        assertTrue(run.git().commit().equals(GitState.UNKNOWN) || run.git().commit().matches("[0-9a-f]{40}"), run.git().commit());
        assertTrue(run.machine().cores() > 0);
        assertNotNull(run.machine().jdkVersion());
        assertNotNull(run.machine().jdkVendor());
        assertNotNull(run.machine().cpuModel());
        assertNotNull(run.machine().os());

        // every provenance key present in the raw JSON (gpu fields may be null but present)
        var json = Json.MAPPER.readTree(rr.dir().resolve("run.json").toFile());
        for (String k : new String[]{"id", "study", "start", "end", "git", "machine", "backend", "modelFile", "modelSha256", "seed", "config"}) {
            assertTrue(json.has(k), "run.json lacks " + k);
        }
        for (String k : new String[]{"jdkVersion", "jdkVendor", "os", "cpuModel", "cores", "gpuName", "gpuDriver"}) {
            assertTrue(json.get("machine").has(k), "run.json machine lacks " + k);
        }
        assertTrue(json.get("git").has("dirty"));

        Table back = rr.table("results");
        assertEquals(2, back.rowCount());
        assertEquals("wk", back.getString(1, "op"));
        assertEquals(8.0e6, back.numberColumn("flops").getDouble(0), 0);
        assertEquals(java.util.List.of("extra", "results"), rr.tableNames());

        Path fig = Locations.paperFigures(out, "demopaper");
        byte[] png = Files.readAllBytes(fig.resolve("squares.png"));
        assertEquals((byte) 0x89, png[0]);
        assertEquals('P', png[1]);
        String svg = Files.readString(fig.resolve("squares.svg"), StandardCharsets.UTF_8);
        assertTrue(svg.contains("<svg"), "SVG output: " + svg.substring(0, Math.min(200, svg.length())));
        assertFalse(Files.exists(rr.dir().resolve("figures/squares.svg")), "paper figures are not copied into the run");
        assertTrue(Files.size(rr.dir().resolve("figures/own.svg")) > 100, "a figure of no paper stays with the run");
        assertTrue(Files.size(rr.dir().resolve("figures/own.png")) > 100);

        assertEquals(rr.dir(), new ResultStore(out).latest("demo").orElseThrow().dir());
    }

    @Test
    void gitUnknownOutsideARepo(@TempDir Path notRepo) {
        GitState g = GitState.probe(notRepo);
        assertEquals(GitState.UNKNOWN, g.commit());
    }

    @Test
    void gitKnownInTheProject() {
        Path root = Path.of(System.getProperty("minerva.root", "."));
        if (Files.exists(root.resolve(".git"))) {
            assertTrue(GitState.probe(root).commit().matches("[0-9a-f]{40}"));
        }
    }

    @Test
    void rejectsBadNames(@TempDir Path out) {
        RunRecorder rec = RunRecorder.begin(out, "demo", Map.of(), 0, "none", null);
        assertThrows(IllegalArgumentException.class, () -> rec.table("../x", Table.create("x")));
        assertThrows(IllegalArgumentException.class, () -> Run.begin("Bad Study", Map.of(), 0, "none", null, out));
    }
}
