package dev.minerva.lab.engine;

import dev.minerva.record.AtomicFiles;
import dev.minerva.record.FigureRegistry;
import dev.minerva.record.FigureSpec;
import dev.minerva.record.FiguresFile;
import dev.minerva.record.Locations;
import dev.minerva.record.Reproducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** The committed engine run's figures redraw from its recorded CSVs alone ({@code reproduce --render-only}). */
class EngineFiguresTest {

    @Test void rendersFromTheCommittedRun(@TempDir Path out) throws Exception {
        Path root = Locations.root();
        Path runs = Locations.studyResults(root, EngineStudy.STUDY);
        assertTrue(Files.isDirectory(runs), "no recorded engine run committed under " + runs);
        // copy the recorded runs so rendering does not touch the committed figures
        Path copy = Locations.studyResults(out, EngineStudy.STUDY);
        try (Stream<Path> s = Files.walk(runs)) {
            for (Path p : s.toList()) {
                Path t = copy.resolve(runs.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t); else Files.copy(p, t);
            }
        }
        List<FigureSpec> specs = FiguresFile.read(root.resolve("papers/engine/figures.json"));
        assertEquals(List.of(EngineFigures.DECODE_VS_CEILING, EngineFigures.ACCURACY, EngineFigures.DECODE_VS_BATCH),
                specs.stream().map(FigureSpec::id).toList());
        FigureRegistry reg = new FigureRegistry();
        EngineFigures.register(reg);
        List<Path> files = new Reproducer(root, out, System.out).renderOnly(specs, reg);
        assertEquals(6, files.size(), "png and svg of each figure");
        for (Path f : files) assertTrue(Files.size(f) > 1000, f + " is too small to be a chart");
        assertFalse(AtomicFiles.isTemporary(files.get(0)));
    }
}
