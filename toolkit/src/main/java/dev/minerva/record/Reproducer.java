package dev.minerva.record;

import org.knowm.xchart.internal.chartpart.Chart;
import tech.tablesaw.api.Table;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Regenerates paper figures. {@link #renderOnly} draws each figure from the latest recorded run of
 * its study; {@link #rerun} runs each distinct producer (notebook or CLI command) once, as a
 * subprocess of {@code <root>/minerva}, with {@code MINERVA_OUT} set.
 */
public final class Reproducer {
    private final Path root;
    private final Path out;
    private final PrintStream log;

    public Reproducer(Path root, Path out, PrintStream log) {
        this.root = root;
        this.out = out;
        this.log = log;
    }

    /** Re-renders every figure from recorded CSVs. @return the figure files written */
    public List<Path> renderOnly(List<FigureSpec> specs, FigureRegistry registry) throws IOException {
        ResultStore store = new ResultStore(out);
        List<Path> written = new ArrayList<>();
        for (FigureSpec spec : specs) {
            RecordedRun run = store.latest(spec.study()).orElseThrow(() -> new IOException("figure '" + spec.id()
                    + "' (papers/" + spec.paper() + "): no recorded run of study '" + spec.study() + "' under "
                    + Locations.studyResults(out, spec.study()) + "; run without --render-only first"));
            Map<String, Table> tables = new LinkedHashMap<>();
            for (String csv : spec.results()) tables.put(csv, run.table(csv));
            Chart<?, ?> chart = registry.get(spec.id()).render(spec, tables);
            Path dir = Locations.paperFigures(out, spec.paper());
            FigureEncoder.writeBoth(chart, dir, spec.id());
            written.add(dir.resolve(spec.id() + ".png"));
            written.add(dir.resolve(spec.id() + ".svg"));
            log.println("rendered " + spec.paper() + "/" + spec.id() + " from run " + run.run().id());
        }
        return written;
    }

    /** The distinct producer command lines of {@code specs}, in order, each a full argv. */
    public List<List<String>> producers(List<FigureSpec> specs, boolean preferCommand) {
        Set<List<String>> cmds = new LinkedHashSet<>();
        String exe = root.resolve("minerva").toString();
        for (FigureSpec s : specs) {
            List<String> argv = new ArrayList<>();
            argv.add(exe);
            if (s.notebook() != null && !(preferCommand && s.command() != null)) {
                argv.addAll(List.of("notebooks", "run", s.notebook()));
            } else {
                argv.addAll(s.command());
            }
            cmds.add(argv);
        }
        return new ArrayList<>(cmds);
    }

    /**
     * Runs every producer; stops at the first failure. When a producer is a notebook and {@code setup} is
     * set, {@code <root>/minerva setup} (idempotent: Jupyter, kernel, build) runs first.
     *
     * @return 0, or the failing exit code
     */
    public int rerun(List<FigureSpec> specs, boolean preferCommand, boolean setup) throws IOException, InterruptedException {
        List<List<String>> producers = new ArrayList<>(producers(specs, preferCommand));
        if (setup && producers.stream().anyMatch(a -> a.size() > 1 && a.get(1).equals("notebooks"))) {
            producers.addFirst(List.of(root.resolve("minerva").toString(), "setup"));
        }
        for (List<String> argv : producers) {
            log.println("running: " + String.join(" ", argv));
            ProcessBuilder pb = new ProcessBuilder(argv).directory(root.toFile()).inheritIO();
            pb.environment().put("MINERVA_OUT", out.toString());
            pb.environment().put("MINERVA_ROOT", root.toString());
            int rc = pb.start().waitFor();
            if (rc != 0) {
                log.println("failed (exit " + rc + "): " + String.join(" ", argv));
                return rc;
            }
        }
        return 0;
    }
}
