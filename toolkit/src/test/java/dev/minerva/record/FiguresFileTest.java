package dev.minerva.record;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.Table;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class FiguresFileTest {

    private static Path write(Path root, String paper, String json) throws Exception {
        Path f = root.resolve("papers").resolve(paper).resolve("figures.json");
        Files.createDirectories(f.getParent());
        Files.writeString(f, json);
        return f;
    }

    private static String good = """
            {"paper": "p", "figures": [
              {"id": "f1", "caption": "c", "study": "demo", "results": ["results.csv"], "notebook": "01-x"},
              {"id": "f2", "study": "demo", "results": ["results.csv"], "command": ["demo", "--x", "1"]}
            ]}""";

    @Test
    void parsesValidFile(@TempDir Path root) throws Exception {
        List<FigureSpec> specs = FiguresFile.read(write(root, "p", good));
        assertEquals(2, specs.size());
        assertEquals("01-x", specs.get(0).notebook());
        assertEquals(List.of("demo", "--x", "1"), specs.get(1).command());
        assertEquals(2, FiguresFile.readAll(root, null).size());
        assertEquals(0, FiguresFile.readAll(root, "other").size());
        Reproducer rep = new Reproducer(root, root, System.out);
        List<List<String>> prods = rep.producers(specs, false);
        assertEquals(List.of(root.resolve("minerva").toString(), "notebooks", "run", "01-x"), prods.get(0));
        assertEquals(List.of(root.resolve("minerva").toString(), "demo", "--x", "1"), prods.get(1));
    }

    @Test
    void malformedFilesNameFileAndField(@TempDir Path root) throws Exception {
        expectError(root, "{\"paper\": \"p\", \"figures\": [", "malformed JSON");
        expectError(root, "{\"figures\": []}", "field paper: missing");
        expectError(root, "{\"paper\": \"q\", \"figures\": []}", "lives in papers/p");
        expectError(root, "{\"paper\": \"p\", \"figures\": {}}", "field figures: must be an array");
        expectError(root, "{\"paper\": \"p\", \"figures\": [{\"id\": \"a\", \"results\": [\"r.csv\"], \"notebook\": \"n\"}]}",
                "field figures[0].study: missing");
        expectError(root, "{\"paper\": \"p\", \"figures\": [{\"id\": \"a\", \"study\": \"s\", \"results\": [\"r.csv\"]}]}",
                "field figures[0]: needs a producer");
        expectError(root, "{\"paper\": \"p\", \"figures\": [{\"id\": \"a\", \"study\": \"s\", \"results\": [\"../r.csv\"], \"notebook\": \"n\"}]}",
                "field figures[0].results[0]");
        expectError(root, "{\"paper\": \"p\", \"figures\": [{\"id\": 3, \"study\": \"s\", \"results\": [\"r.csv\"], \"notebook\": \"n\"}]}",
                "field figures[0].id: must be a string");
        expectError(root, "{\"paper\": \"p\", \"figures\": [{\"id\": \"a\", \"study\": \"s\", \"results\": [\"r.csv\"], \"notebook\": \"n\"},"
                + "{\"id\": \"a\", \"study\": \"s\", \"results\": [\"r.csv\"], \"notebook\": \"n\"}]}", "figures[1].id: duplicate");
    }

    private static void expectError(Path root, String json, String expected) throws Exception {
        Path f = write(root, "p", json);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FiguresFile.read(f), json);
        assertTrue(e.getMessage().contains(f.toString()), "error should name the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
    }

    @Test
    void renderOnlyDrawsFromLatestRun(@TempDir Path root) throws Exception {
        write(root, "p", good);
        RunRecorder.begin(root, "demo", Map.of(), 0, "none", null)
                .results(Table.create("r", DoubleColumn.create("x", 1, 2), DoubleColumn.create("y", 3, 5))).commit();
        FigureRegistry reg = new FigureRegistry();
        FigureRenderer r = (spec, tables) -> {
            Table t = tables.get("results.csv");
            XYChart c = new XYChart(200, 150);
            c.setTitle(spec.id());
            c.addSeries("y", t.numberColumn("x").asDoubleArray(), t.numberColumn("y").asDoubleArray());
            return c;
        };
        reg.register("f1", r).register("f2", r);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        List<Path> files = new Reproducer(root, root, new PrintStream(log)).renderOnly(FiguresFile.readAll(root, null), reg);
        assertEquals(4, files.size());
        for (Path f : files) assertTrue(Files.size(f) > 100, f.toString());
        assertTrue(log.toString().contains("rendered p/f1"));

        FigureRegistry empty = new FigureRegistry();
        var e = assertThrows(IllegalArgumentException.class, () -> new Reproducer(root, root, System.out).renderOnly(FiguresFile.readAll(root, null), empty));
        assertTrue(e.getMessage().contains("no renderer for figure 'f1'"));
    }

    @Test
    void renderOnlyWithoutRunSaysSo(@TempDir Path root) throws Exception {
        write(root, "p", good);
        var e = assertThrows(java.io.IOException.class, () -> new Reproducer(root, root, System.out)
                .renderOnly(FiguresFile.readAll(root, null), new FigureRegistry()));
        assertTrue(e.getMessage().contains("no recorded run of study 'demo'"), e.getMessage());
    }
}
