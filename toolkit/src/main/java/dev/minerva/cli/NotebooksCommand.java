package dev.minerva.cli;

import dev.minerva.notebook.KernelSpec;
import dev.minerva.notebook.NotebookExecutor;
import dev.minerva.notebook.NotebookLayout;
import dev.minerva.notebook.NotebookParameters;
import dev.minerva.notebook.NotebookResult;
import dev.minerva.notebook.NotebookRunner;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** {@code minerva notebooks run|install-kernel}: headless execution of the Java notebooks. */
@Command(name = "notebooks", mixinStandardHelpOptions = true,
        description = "Run the Java notebooks headlessly (Jupyter nbconvert) or install their kernelspec.")
public final class NotebooksCommand implements Runnable {

    /** Patched kernels answer in seconds; a loaded 2-core machine was seen to need 17 s, so this leaves room. */
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "install-kernel", mixinStandardHelpOptions = true,
            description = "Write .minerva/jupyter/kernels/" + KernelSpec.NAME + "/kernel.json (needs ./minerva setup's kernel jars).")
    int installKernel() {
        PrintWriter out = spec.commandLine().getOut();
        try {
            Path file = writeKernelSpec(NotebookLayout.current());
            out.println("kernelspec " + KernelSpec.NAME + " -> " + file);
            out.println("use it with: JUPYTER_PATH=" + file.getParent().getParent().getParent() + " jupyter notebook");
            return 0;
        } catch (IllegalStateException | IllegalArgumentException | IOException e) {
            return fail(e);
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = {"Execute notebooks (all of notebooks/*.ipynb in name order, or the NAMEs given) with "
                    + "jupyter nbconvert --execute; executed copies go to --out. Fails on any cell error; retries only "
                    + "kernel start-up failures.",
                    "Notebooks read MINERVA_BUDGET, MINERVA_MODEL, MINERVA_TOKENIZER, MINERVA_BACKEND, MINERVA_OUT and "
                            + "MINERVA_ROOT; options override the variables of the same name."})
    int runNotebooks(
            @Parameters(arity = "0..*", paramLabel = "NAME", description = "notebook name (01-roofline), unique prefix (01) or .ipynb path")
            List<String> names,
            @Option(names = "--out", paramLabel = "DIR", description = "folder for executed copies and logs (default: $MINERVA_OUT/notebooks-executed)")
            Path outDir,
            @Option(names = "--budget", paramLabel = "ci|full", description = "MINERVA_BUDGET (default: $MINERVA_BUDGET, else full)")
            String budget,
            @Option(names = "--model", paramLabel = "PATH", description = "MINERVA_MODEL (default: $MINERVA_MODEL, else ../shared/models/stories260K/stories260K.bin when present)")
            Path model,
            @Option(names = "--tokenizer", paramLabel = "PATH", description = "MINERVA_TOKENIZER")
            Path tokenizer,
            @Option(names = "--backend", paramLabel = "auto|cpu|cuda", description = "MINERVA_BACKEND (default: $MINERVA_BACKEND, else auto)")
            String backend,
            @Option(names = "--results", paramLabel = "DIR", description = "MINERVA_OUT: where studies write datasets/results and papers/*/figures (default: $MINERVA_OUT, else the repository root)")
            Path results,
            @Option(names = "--cell-timeout", paramLabel = "SECONDS", description = "limit per cell, 0 = none (default: 600 at budget ci, none at full)")
            Integer cellTimeout,
            @Option(names = "--retries", paramLabel = "N", defaultValue = "2", description = "retries after a kernel start-up failure (default: 2)")
            int retries) {
        PrintWriter out = spec.commandLine().getOut();
        try {
            NotebookLayout layout = NotebookLayout.current();
            NotebookParameters params = NotebookParameters.resolve(layout, System.getenv(), budget, model, tokenizer, backend, results);
            if (retries < 0 || retries > 2) throw new IllegalArgumentException("--retries: " + retries + " is not in 0..2");
            if (cellTimeout != null && cellTimeout < 0) throw new IllegalArgumentException("--cell-timeout: " + cellTimeout + " is negative");
            List<Path> notebooks = NotebookRunner.select(layout.notebooksDir(), names == null ? List.of() : names);
            if (notebooks.isEmpty()) throw new IllegalArgumentException("no notebooks in " + layout.notebooksDir());
            String jupyter = NotebookExecutor.findJupyter();
            if (jupyter == null) throw new IllegalStateException("no jupyter command found: run ./minerva setup");
            writeKernelSpec(layout);
            Duration timeout = cellTimeout != null ? (cellTimeout == 0 ? null : Duration.ofSeconds(cellTimeout))
                    : params.budget().equals("ci") ? Duration.ofMinutes(10) : null;
            Path dir = outDir != null ? outDir.toAbsolutePath() : params.out().resolve("notebooks-executed");
            out.printf("notebooks: %d at budget %s, backend %s, model %s -> %s%n", notebooks.size(), params.budget(),
                    params.backend(), params.model() == null ? "(none)" : params.model(), dir);
            NotebookExecutor executor = new NotebookExecutor(jupyter, layout.jupyterDir(), params.toEnv(), timeout,
                    STARTUP_TIMEOUT, retries, out);
            List<NotebookResult> outcome = new NotebookRunner(executor, out).run(notebooks, dir);
            return outcome.stream().allMatch(NotebookResult::passed) ? 0 : 1;
        } catch (IllegalStateException | IllegalArgumentException | IOException e) {
            return fail(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail(e);
        }
    }

    private static Path writeKernelSpec(NotebookLayout layout) throws IOException {
        if (!layout.patchJar().toFile().isFile()) throw new IllegalStateException(layout.patchJar() + " is missing: run ./minerva setup");
        KernelSpec spec = KernelSpec.minerva(Path.of(System.getProperty("java.home")), layout.patchJar(), layout.kernelJar(),
                layout.notebookClasspath());
        return spec.writeTo(layout.jupyterDir(), KernelSpec.NAME);
    }

    private int fail(Exception e) {
        spec.commandLine().getErr().println("minerva notebooks: " + e.getMessage());
        return 2;
    }
}
