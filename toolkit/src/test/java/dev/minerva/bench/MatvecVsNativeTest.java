package dev.minerva.bench;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** {@link MatvecVsNative} refuses bad options with a message naming them, before it measures anything. */
class MatvecVsNativeTest {
    /** An executable that exists on any Linux machine; the refusals come before it would be run. */
    private static final String EXE = "/bin/sh";

    @Test
    void refusesBadOptionsBeforeMeasuring() {
        assertRefused("--rounds must be >= 1, got 0", "--native", EXE, "--rounds", "0");
        assertRefused("--copies must be >= 1, got -1", "--native", EXE, "--copies", "-1");
        assertRefused("--threads must be >= 1, got 0", "--native", EXE, "--threads", "0");
        assertRefused("'64x100' is not ROWSxCOLS", "--native", EXE, "--shapes", "2048x2048,64x100");
        assertRefused("'64by64' is not ROWSxCOLS", "--native", EXE, "--shapes", "64by64");
        assertRefused("unknown 'Q5_K'", "--native", EXE, "--dtypes", "F32,Q5_K");
        assertRefused("is not an executable file", "--native", "/nonexistent/matvec");
        assertRefused("Unknown options: '--round'", "--native", EXE, "--round", "3");
        assertRefused("Missing required option: '--native", "--rounds", "3");
    }

    private static void assertRefused(String expected, String... args) {
        StringWriter err = new StringWriter();
        PrintWriter errWriter = new PrintWriter(err);
        CommandLine cl = new CommandLine(new MatvecVsNative()).setErr(errWriter).setOut(new PrintWriter(new StringWriter()));
        int rc = cl.execute(args);
        errWriter.flush();
        assertEquals(2, rc, () -> String.join(" ", args) + ": " + err);
        assertTrue(err.toString().contains(expected), () -> "expected '" + expected + "' for " + List.of(args) + ", got:\n" + err);
    }
}
