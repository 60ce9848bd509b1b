package dev.minerva.notebook;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Runs a list of notebooks with a {@link NotebookExecutor} and reports: one line per notebook with its
 * time, the failing cell and exception of each failure, and a final {@code N passed, N failed} line.
 */
public final class NotebookRunner {

    private final NotebookExecutor executor;
    private final PrintWriter out;

    public NotebookRunner(NotebookExecutor executor, PrintWriter out) {
        this.executor = executor;
        this.out = out;
    }

    /**
     * The notebooks named by {@code names} in {@code dir} (a name may omit {@code .ipynb}, be a unique
     * prefix such as {@code 01}, or be a path to an {@code .ipynb} file), or all of {@code dir}'s notebooks
     * in name order when {@code names} is empty.
     *
     * @throws IllegalArgumentException for a name that matches no notebook or several
     */
    public static List<Path> select(Path dir, List<String> names) throws IOException {
        List<Path> all;
        if (!Files.isDirectory(dir)) all = List.of();
        else try (Stream<Path> s = Files.list(dir)) {
            all = s.filter(p -> p.getFileName().toString().endsWith(".ipynb")).sorted().toList();
        }
        if (names.isEmpty()) return all;
        List<Path> chosen = new ArrayList<>();
        for (String n : names) {
            Path asFile = Path.of(n);
            if (n.endsWith(".ipynb") && Files.isRegularFile(asFile)) { chosen.add(asFile); continue; }
            String stem = n.endsWith(".ipynb") ? n.substring(0, n.length() - 6) : n;
            List<Path> exact = all.stream().filter(p -> p.getFileName().toString().equals(stem + ".ipynb")).toList();
            List<Path> hits = !exact.isEmpty() ? exact : all.stream().filter(p -> p.getFileName().toString().startsWith(stem)).toList();
            if (hits.size() != 1) {
                throw new IllegalArgumentException((hits.isEmpty() ? "no notebook '" : "several notebooks match '") + n + "' in " + dir
                        + "; known: " + all.stream().map(p -> p.getFileName().toString()).toList());
            }
            chosen.add(hits.getFirst());
        }
        return chosen;
    }

    /** Executes {@code notebooks} into {@code outDir}; returns the results in order. */
    public List<NotebookResult> run(List<Path> notebooks, Path outDir) throws IOException, InterruptedException {
        List<NotebookResult> results = new ArrayList<>();
        for (Path nb : notebooks) {
            out.println("run   " + nb.getFileName());  // full-budget notebooks take minutes: say what is running
            out.flush();
            NotebookResult r = executor.execute(nb, outDir);
            results.add(r);
            report(r);
        }
        long passed = results.stream().filter(NotebookResult::passed).count();
        out.printf("%d passed, %d failed%n", passed, results.size() - passed);
        out.flush();
        return results;
    }

    private void report(NotebookResult r) {
        String retries = r.attempts() > 1 ? " after " + (r.attempts() - 1) + " kernel start-up retr" + (r.attempts() == 2 ? "y" : "ies") : "";
        if (r.passed()) {
            out.printf("PASS  %-28s %7.1f s%s  -> %s%n", r.name(), r.seconds(), retries, r.executed());
        } else {
            ExecutionFailure f = r.failure();
            out.printf("FAIL  %-28s %7.1f s%s  (%s; log: %s)%n", r.name(), r.seconds(), retries,
                    f.kind().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' '), r.log());
            if (f.cellSource() != null) {
                out.println("  failing cell:");
                f.cellSource().lines().forEach(l -> out.println("    | " + l));
            }
            out.println("  error:");
            f.detail().lines().forEach(l -> out.println("    | " + l));
        }
        out.flush();
    }
}
