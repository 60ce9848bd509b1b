package dev.minerva.record;

import tech.tablesaw.api.Table;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * A run folder on disk: {@code run.json}, {@code results.csv} and any other {@code <name>.csv}.
 *
 * @param dir the run folder {@code <out>/datasets/results/<study>/<run-id>}
 * @param run its provenance
 */
public record RecordedRun(Path dir, Run run) {

    /** Reads the folder's run.json. @throws IOException naming the file when it is missing or malformed */
    public static RecordedRun open(Path dir) throws IOException {
        Path json = dir.resolve(RunRecorder.RUN_JSON);
        if (!Files.isRegularFile(json)) throw new IOException(dir + ": no " + RunRecorder.RUN_JSON + " (not a result folder)");
        return new RecordedRun(dir, Run.read(json));
    }

    /**
     * The table {@code <name>.csv}, e.g. {@code results}. Column types are inferred from the text, so a
     * numeric column whose values are all integral comes back as an integer column: read numbers
     * through {@code numberColumn(name)}.
     *
     * @throws IOException naming the file
     */
    public Table table(String name) throws IOException {
        Path csv = dir.resolve(name.endsWith(".csv") ? name : name + ".csv");
        if (!Files.isRegularFile(csv)) throw new IOException(csv + ": missing in run " + run.id());
        try {
            return Table.read().csv(csv.toFile()).setName(name.replace(".csv", ""));
        } catch (RuntimeException e) {
            throw new IOException(csv + ": unreadable CSV: " + e.getMessage(), e);
        }
    }

    /** Names of the tables (CSV files without extension) in this run. */
    public List<String> tableNames() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".csv"))
                    .map(n -> n.substring(0, n.length() - 4)).sorted().toList();
        }
    }
}
