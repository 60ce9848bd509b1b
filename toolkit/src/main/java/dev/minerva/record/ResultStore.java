package dev.minerva.record;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** Reads recorded runs under {@code <out>/datasets/results}. Temporary (hidden) folders are never listed. */
public final class ResultStore {
    private final Path out;

    public ResultStore(Path out) {
        this.out = out;
    }

    /** Run folders of {@code study}, oldest first (run ids sort by UTC start time). */
    public List<Path> runDirs(String study) throws IOException {
        Path dir = Locations.studyResults(out, study);
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith("."))
                    .filter(p -> Files.isRegularFile(p.resolve(RunRecorder.RUN_JSON)))
                    .sorted().toList();
        }
    }

    /** The newest run of {@code study}, if any. */
    public Optional<RecordedRun> latest(String study) throws IOException {
        List<Path> dirs = runDirs(study);
        return dirs.isEmpty() ? Optional.empty() : Optional.of(RecordedRun.open(dirs.getLast()));
    }
}
