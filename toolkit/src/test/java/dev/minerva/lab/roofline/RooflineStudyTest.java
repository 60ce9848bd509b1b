package dev.minerva.lab.roofline;

import dev.minerva.bench.MachineProbe;
import dev.minerva.record.FigureRegistry;
import dev.minerva.record.FigureSpec;
import dev.minerva.record.FiguresFile;
import dev.minerva.record.Locations;
import dev.minerva.record.RecordedRun;
import dev.minerva.record.Reproducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The recorded study run and the project's real papers/roofline/figures.json work together. */
class RooflineStudyTest {

    // a fixed measurement so the test does not benchmark (MachineProbe itself is exercised in MachineProbeTest)
    static final MachineProbe PROBE = new MachineProbe(15, 25, 50, 100, 2, 256, 128L << 20);

    @Test
    void recordedRunRendersEveryFigureOfThePaper(@TempDir Path out) throws Exception {
        RecordedRun run = RooflineStudy.run(RooflineStudyConfig.standard("ci"), out, PROBE);
        Table hw = run.table("hardware");
        assertEquals(HardwareCatalog.names().size(), hw.rowCount());
        Table me = hw.where(hw.stringColumn("id").isEqualTo(HardwareCatalog.THIS_MACHINE));
        assertEquals(25, me.numberColumn("bandwidth_gbs").getDouble(0), 0);
        assertEquals(0.1, me.numberColumn("fp32_tflops").getDouble(0), 1e-12);
        Table summary = run.table("summary");
        Table h100Tiny = summary.where(summary.stringColumn("hardware").isEqualTo("h100-sxm")
                .and(summary.stringColumn("model").isEqualTo("tinyllama-1.1b")).and(summary.stringColumn("weights").isEqualTo("f16")));
        assertEquals(1_100_048_384L, (long) h100Tiny.numberColumn("parameters").getDouble(0));
        assertEquals(1607, h100Tiny.numberColumn("decode_b1_tokens_per_s").getDouble(0), 1);

        Path root = Path.of(System.getProperty("minerva.root", "."));
        Path figuresJson = root.resolve("papers/roofline/figures.json");
        List<FigureSpec> specs = FiguresFile.read(figuresJson);
        assertFalse(specs.isEmpty());
        FigureRegistry reg = new FigureRegistry();
        RooflineFigures.register(reg);
        // the study wrote every figure the paper lists ...
        for (FigureSpec s : specs) {
            assertTrue(Files.size(Locations.paperFigures(out, "roofline").resolve(s.id() + ".png")) > 1000, s.id());
        }
        // ... and each can be redrawn from the recorded CSVs alone
        for (FigureSpec s : specs) Files.delete(Locations.paperFigures(out, "roofline").resolve(s.id() + ".png"));
        List<Path> files = new Reproducer(root, out, System.out).renderOnly(specs, reg);
        assertEquals(2 * specs.size(), files.size());
        for (Path f : files) assertTrue(Files.size(f) > 1000, f.toString());
    }

    @Test
    void measuredPointsOverlay() throws Exception {
        RooflineStudy.Tables t = RooflineStudy.compute(RooflineStudyConfig.standard("ci"), PROBE);
        RooflineReport r = Roofline.analyze(RooflineStudy.workload("tinyllama-1.1b", Phase.DECODE, 1, 512, "f16"), HardwareCatalog.get("h100-sxm"));
        Op wq = r.ops().get(2).op();
        MeasuredPoint p = MeasuredPoint.of("wq (measured)", wq, 2 * r.ops().get(2).time());
        assertEquals(r.ops().get(2).attainableFlops() / 2, p.flopsPerSecond(), 1e-3);
        var chart = RooflineFigures.roofline("h100-sxm", t.hardware(), t.ops(), List.of(p));
        assertNotNull(chart.getSeries("measured"));
    }
}
