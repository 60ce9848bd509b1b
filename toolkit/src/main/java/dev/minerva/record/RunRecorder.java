package dev.minerva.record;

import org.knowm.xchart.internal.chartpart.Chart;
import tech.tablesaw.api.Table;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Collects one run's tables and figures, then {@link #commit()}s them:
 * <pre>
 * &lt;out&gt;/datasets/results/&lt;study&gt;/&lt;run-id&gt;/run.json, results.csv, &lt;table&gt;.csv
 *                                              figures/&lt;name&gt;.png|.svg   (figures that belong to no paper)
 * &lt;out&gt;/papers/&lt;paper&gt;/figures/&lt;name&gt;.png|.svg                     (paper figures: redrawn from the CSVs)
 * </pre>
 * The run folder is assembled in a hidden temporary folder and renamed into place in one atomic
 * step; each paper figure is replaced atomically. Nothing is written before {@code commit()}.
 */
public final class RunRecorder {
    public static final String RUN_JSON = "run.json";
    public static final String RESULTS = "results";

    private final Path out;
    private final Run run;
    private final Map<String, Table> tables = new LinkedHashMap<>();
    private final Map<String, Figure> figures = new LinkedHashMap<>();
    private Consumer<Path> afterEachFile = p -> { };

    private record Figure(String paper, String name, Chart<?, ?> chart) {}

    public RunRecorder(Path out, Run run) {
        this.out = Objects.requireNonNull(out).toAbsolutePath();
        this.run = Objects.requireNonNull(run);
    }

    /** Starts a run (see {@link Run#begin}) recording into {@code out}. */
    public static RunRecorder begin(Path out, String study, Object config, long seed, String backend, Path modelFile) {
        return new RunRecorder(out, Run.begin(study, config, seed, backend, modelFile, Locations.root()));
    }

    public Run run() { return run; }

    /** Adds {@code <name>.csv}; the main table is called {@link #RESULTS}. */
    public RunRecorder table(String name, Table table) {
        checkName(name);
        tables.put(name, table);
        return this;
    }

    /** Adds the main table, {@code results.csv}. */
    public RunRecorder results(Table table) { return table(RESULTS, table); }

    /** Adds a figure for paper {@code paper} (or none when {@code paper} is null: only the run keeps it). */
    public RunRecorder figure(String paper, String name, Chart<?, ?> chart) {
        checkName(name);
        if (paper != null) checkName(paper);
        figures.put(name, new Figure(paper, name, chart));
        return this;
    }

    /** Called after each file is written (progress; tests use it to interrupt a write). */
    public RunRecorder onFileWritten(Consumer<Path> listener) {
        this.afterEachFile = Objects.requireNonNull(listener);
        return this;
    }

    /**
     * Writes everything: the run folder atomically, then the paper figures (each atomically).
     *
     * @return the published run
     */
    public RecordedRun commit() throws IOException {
        Run done = run.finish();
        Path studyDir = Locations.studyResults(out, run.study());
        AtomicFiles.sweepStale(studyDir);
        Path tmp = AtomicFiles.tempDir(studyDir, run.id());
        try {
            for (Map.Entry<String, Table> e : tables.entrySet()) {
                Path csv = tmp.resolve(e.getKey() + ".csv");
                e.getValue().write().csv(csv.toFile());
                afterEachFile.accept(csv);
            }
            // encode every figure before anything is published; figures without a paper live in the run folder
            Map<Figure, byte[][]> encoded = new LinkedHashMap<>();
            for (Figure f : figures.values()) encoded.put(f, new byte[][]{FigureEncoder.png(f.chart()), FigureEncoder.svg(f.chart())});
            for (Map.Entry<Figure, byte[][]> e : encoded.entrySet()) {
                if (e.getKey().paper() != null) continue;
                Path figDir = Files.createDirectories(tmp.resolve("figures"));
                Files.write(figDir.resolve(e.getKey().name() + ".png"), e.getValue()[0]);
                Files.write(figDir.resolve(e.getKey().name() + ".svg"), e.getValue()[1]);
                afterEachFile.accept(figDir.resolve(e.getKey().name() + ".svg"));
            }
            // run.json last: a folder with run.json is complete by construction
            Path json = tmp.resolve(RUN_JSON);
            Files.writeString(json, done.toJson(), StandardCharsets.UTF_8);
            afterEachFile.accept(json);
            Path target = studyDir.resolve(run.id());
            AtomicFiles.publishDir(tmp, target);
            for (Map.Entry<Figure, byte[][]> e : encoded.entrySet()) {
                if (e.getKey().paper() == null) continue;
                Path dir = Locations.paperFigures(out, e.getKey().paper());
                AtomicFiles.write(dir.resolve(e.getKey().name() + ".png"), e.getValue()[0]);
                AtomicFiles.write(dir.resolve(e.getKey().name() + ".svg"), e.getValue()[1]);
                afterEachFile.accept(dir.resolve(e.getKey().name() + ".svg"));
            }
            return new RecordedRun(target, done);
        } catch (IOException | RuntimeException e) {
            try {
                AtomicFiles.deleteTree(tmp);
            } catch (IOException | UncheckedIOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private static void checkName(String name) {
        if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9._-]*") || name.contains("..")) {
            throw new IllegalArgumentException("invalid result name '" + name + "': use letters, digits, '.', '_' and '-'");
        }
    }
}
