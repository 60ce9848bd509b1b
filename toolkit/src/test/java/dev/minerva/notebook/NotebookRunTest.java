package dev.minerva.notebook;

import dev.minerva.cli.Main;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Runs the real Jupyter and the real Java kernel through {@code minerva notebooks run}. Needs
 * {@code ./minerva setup} (Jupyter, kernel jars, toolkit jar): skipped with a message where that is
 * missing, failed under {@code CI=true}.
 */
class NotebookRunTest {

    private static final Path RESOURCES = Path.of("src/test/resources/notebooks").toAbsolutePath();

    @TempDir Path out;

    @BeforeAll
    static void requireSetUp() {
        NotebookLayout layout = NotebookLayout.current();
        List<String> missing = new ArrayList<>();
        if (NotebookExecutor.findJupyter() == null) missing.add("jupyter");
        for (Path p : List.of(layout.patchJar(), layout.toolkitJar(), layout.classpathFile())) {
            if (!Files.isRegularFile(p)) missing.add(p.toString());
        }
        try {
            layout.kernelJar();
        } catch (IllegalStateException e) {
            missing.add(e.getMessage());
        }
        if (missing.isEmpty()) return;
        String msg = "notebook tests need ./minerva setup; missing: " + missing;
        if ("true".equals(System.getenv("CI"))) fail(msg);
        Assumptions.abort(msg);
    }

    private record Run(int exitCode, String out, String err) {}

    private Run cli(String... args) {
        StringWriter o = new StringWriter(), e = new StringWriter();
        var cl = Main.commandLine();
        cl.setOut(new PrintWriter(o, true));
        cl.setErr(new PrintWriter(e, true));
        int code = cl.execute(args);
        return new Run(code, o.toString(), e.toString());
    }

    @Test
    void passingNotebookSeesToolkitClassesAndParameters() throws Exception {
        Run r = cli("notebooks", "run", RESOURCES.resolve("passes.ipynb").toString(), "--out", out.toString(),
                "--budget", "ci", "--results", out.toString());
        assertEquals(0, r.exitCode(), r.out() + r.err());
        assertTrue(r.out().contains("PASS  passes"), r.out());
        assertTrue(r.out().strip().endsWith("1 passed, 0 failed"), r.out());
        String executed = Files.readString(out.resolve("passes.ipynb"));
        assertTrue(executed.contains("stories260k parameters: 260032"), "toolkit class not reachable from the notebook:\n" + executed);
        assertTrue(executed.contains("budget: ci"), executed);
    }

    @Test
    void failingNotebookExitsNonZeroAndShowsTheCellAndTheException() throws Exception {
        Run r = cli("notebooks", "run", RESOURCES.resolve("fails.ipynb").toString(), "--out", out.toString(),
                "--budget", "ci", "--results", out.toString());
        assertEquals(1, r.exitCode(), r.out() + r.err());
        assertTrue(r.out().contains("FAIL  fails"), r.out());
        assertTrue(r.out().contains("| throw new IllegalStateException(why);"), "failing cell not shown:\n" + r.out());
        assertTrue(r.out().contains("java.lang.IllegalStateException: deliberate failure for the notebook runner test"), r.out());
        assertFalse(r.out().contains("\u001B["), "ANSI colours must be stripped:\n" + r.out());
        assertFalse(r.out().contains("retry"), "a cell error must not be retried:\n" + r.out());
        assertTrue(r.out().strip().endsWith("0 passed, 1 failed"), r.out());
        assertFalse(Files.exists(out.resolve("fails.ipynb")), "no executed copy of a failed run");
        String log = Files.readString(out.resolve("fails.log"));
        assertFalse(log.contains("this cell must never run\n"), "execution must stop at the failing cell");
    }

    @Test
    void unknownNotebookNameIsAClearError() {
        Run r = cli("notebooks", "run", "no-such-notebook", "--out", out.toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("no notebook 'no-such-notebook'"), r.err());
    }

    /**
     * Kernels that never answer ({@code sleep}) or die at once ({@code false}) are real start-up failures:
     * they must be retried exactly twice, announced, and reported as such.
     */
    @ParameterizedTest
    @ValueSource(strings = {"sleep 120", "false"})
    void startUpFailuresAreRetriedTwice(String kernelCommand) throws Exception {
        Path jupyterDir = out.resolve("jupyter");
        new KernelSpec(List.of(kernelCommand.split(" ")), "broken", "java", "message", Map.of())
                .writeTo(jupyterDir, KernelSpec.NAME);
        StringWriter progress = new StringWriter();
        NotebookExecutor ex = new NotebookExecutor(NotebookExecutor.findJupyter(), jupyterDir, Map.of(), Duration.ofSeconds(60),
                Duration.ofSeconds(3), 2, new PrintWriter(progress, true));
        NotebookResult r = ex.execute(RESOURCES.resolve("passes.ipynb"), out.resolve("executed"));
        assertFalse(r.passed());
        assertEquals(ExecutionFailure.Kind.KERNEL_START, r.failure().kind(), r.failure().detail());
        assertEquals(3, r.attempts());
        assertTrue(progress.toString().contains("retry 1 of 2") && progress.toString().contains("retry 2 of 2"), progress.toString());
    }
}
