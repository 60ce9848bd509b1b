package dev.minerva.cli;

import dev.minerva.backend.cuda.CudaRuntime;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.*;

/** The CLI on a machine without a GPU: gpu-check and --backend cuda exit with the distinct code and say why. */
class GpuCheckCommandTest {

    private static int run(ByteArrayOutputStream err, String... args) {
        PrintStream old = System.err;
        try (PrintStream p = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            System.setErr(p);
            var cl = Main.commandLine();
            cl.setErr(new java.io.PrintWriter(p, true));
            return cl.execute(args);
        } finally {
            System.setErr(old);
        }
    }

    @Test
    void gpuCheckWithoutGpuExitsThreeWithReason() {
        Assumptions.assumeFalse(CudaRuntime.available(), "a GPU answers here");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(GpuCheckCommand.EXIT_NO_GPU, run(err, "gpu-check", "--quick"));
        String text = err.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("no usable GPU") && text.contains(CudaRuntime.reason()), text);
    }

    @Test
    void negativeTimeLimitIsBadInputNamingTheOption() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(Main.EXIT_BAD_INPUT, run(err, "gpu-check", "--time-limit", "-5"));
        String text = err.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("--time-limit") && text.contains("-5"), text);
    }

    @Test
    void explicitCudaBackendWithoutGpuIsAnErrorNotACrash() {
        Assumptions.assumeFalse(CudaRuntime.available(), "a GPU answers here");
        java.nio.file.Path dir = java.nio.file.Path.of(System.getProperty("minerva.root", "."), "..", "shared", "models", "stories260K").normalize();
        if (!java.nio.file.Files.exists(dir.resolve("stories260K.bin"))) {
            if ("true".equals(System.getenv("CI"))) fail("stories260K missing at " + dir);
            Assumptions.abort("stories260K not found at " + dir);
        }
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = run(err, "generate", "--backend", "cuda", "--max-tokens", "2",
                "--model", dir.resolve("stories260K.bin").toString(), "--tokenizer", dir.resolve("tok512.bin").toString());
        String text = err.toString(StandardCharsets.UTF_8);
        assertEquals(GpuCheckCommand.EXIT_NO_GPU, code, text);
        assertTrue(text.contains("CUDA is not available") && text.contains(CudaRuntime.reason()), text);
        assertFalse(text.contains("\tat "), "no stack trace expected: " + text);
    }
}
