package dev.minerva.notebook;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Executes notebooks headlessly with {@code jupyter nbconvert --to notebook --execute} on the
 * {@value KernelSpec#NAME} kernel. The executed copy goes to an output folder (never over the
 * notebook). Only kernel start-up failures are retried, at most {@code maxRetries} times; a cell error
 * is final.
 */
public final class NotebookExecutor {

    private final String jupyter;
    private final Map<String, String> env;
    private final Duration cellTimeout;
    private final Duration startupTimeout;
    private final int maxRetries;
    private final PrintWriter progress;

    /**
     * @param jupyter        the {@code jupyter} command ({@link #findJupyter()})
     * @param jupyterDir     folder with {@code kernels/minerva-java/kernel.json}, put first on {@code JUPYTER_PATH}
     * @param parameters     extra environment for the kernel (the {@code MINERVA_*} variables)
     * @param cellTimeout    limit per cell, or {@code null} for none
     * @param startupTimeout how long to wait for the kernel's first answer
     * @param maxRetries     retries after a kernel start-up failure
     * @param progress       where retries are announced
     */
    public NotebookExecutor(String jupyter, Path jupyterDir, Map<String, String> parameters, Duration cellTimeout,
                            Duration startupTimeout, int maxRetries, PrintWriter progress) {
        this.jupyter = jupyter;
        this.cellTimeout = cellTimeout;
        this.startupTimeout = startupTimeout;
        this.maxRetries = maxRetries;
        this.progress = progress;
        Map<String, String> e = new LinkedHashMap<>(System.getenv());
        String inherited = e.get("JUPYTER_PATH");
        e.put("JUPYTER_PATH", jupyterDir.toAbsolutePath() + (inherited == null || inherited.isBlank() ? "" : ":" + inherited));
        e.putAll(parameters);
        this.env = Map.copyOf(e);
    }

    /**
     * The Jupyter command: {@code $MINERVA_JUPYTER}, else Debian's {@code /usr/bin/jupyter} (a pyenv Python on
     * the PATH may lack nbclient), else {@code jupyter} from the PATH; {@code null} when none runs.
     */
    public static String findJupyter() {
        String explicit = System.getenv("MINERVA_JUPYTER");
        if (explicit != null && !explicit.isBlank()) return explicit;
        if (Files.isExecutable(Path.of("/usr/bin/jupyter"))) return "/usr/bin/jupyter";
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "jupyter"))) return Path.of(dir, "jupyter").toString();
        }
        return null;
    }

    /** Executes {@code notebook}, writing {@code <outDir>/<name>.ipynb} and {@code <outDir>/<name>.log}. */
    public NotebookResult execute(Path notebook, Path outDir) throws IOException, InterruptedException {
        String file = notebook.getFileName().toString();
        String name = file.endsWith(".ipynb") ? file.substring(0, file.length() - ".ipynb".length()) : file;
        Files.createDirectories(outDir);
        Path executed = outDir.resolve(name + ".ipynb");
        Path log = outDir.resolve(name + ".log");
        Files.deleteIfExists(executed);  // a stale copy must not pass for this run's result
        Files.deleteIfExists(log);
        long start = System.nanoTime();
        ExecutionFailure failure = null;
        int attempt = 0;
        while (attempt <= maxRetries) {
            attempt++;
            Attempt a = runOnce(notebook, outDir, name);
            Files.writeString(log, "=== attempt " + attempt + ": " + String.join(" ", a.command) + "\n" + a.output + "\n",
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            if (a.exitCode == 0 && Files.isRegularFile(executed)) { failure = null; break; }
            failure = a.exitCode == 0
                    ? new ExecutionFailure(ExecutionFailure.Kind.OTHER, null, "nbconvert exited 0 but wrote no " + executed)
                    : ExecutionFailure.parse(a.output);
            if (!failure.retryable()) break;
            if (attempt <= maxRetries) {
                progress.printf("%s: kernel start-up failed (%s); retry %d of %d%n", name, failure.detail(), attempt, maxRetries);
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new NotebookResult(name, failure == null ? executed : null, log, attempt, seconds, failure);
    }

    private record Attempt(List<String> command, int exitCode, String output) {}

    private Attempt runOnce(Path notebook, Path outDir, String name) throws IOException, InterruptedException {
        List<String> cmd = List.of(jupyter, "nbconvert", "--to", "notebook", "--execute",
                notebook.toAbsolutePath().toString(),
                "--output-dir", outDir.toAbsolutePath().toString(), "--output", name,
                "--ExecutePreprocessor.kernel_name=" + KernelSpec.NAME,
                "--ExecutePreprocessor.startup_timeout=" + Math.max(1, startupTimeout.toSeconds()),
                "--ExecutePreprocessor.timeout=" + (cellTimeout == null ? "-1" : Long.toString(Math.max(1, cellTimeout.toSeconds()))));
        // No stdin: CI runs without one, and nothing here may wait for input.
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().clear();
        pb.environment().putAll(env);
        Process p = pb.start();
        try (InputStream in = p.getInputStream()) {
            String output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return new Attempt(cmd, p.waitFor(), output);
        } catch (IOException | InterruptedException | RuntimeException e) {
            p.destroyForcibly();
            throw e;
        }
    }
}
