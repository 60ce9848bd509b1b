package dev.minerva.notebook;

import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.*;

class ExecutionFailureTest {

    /** Console output of a real failed nbconvert run of notebooks/fails.ipynb (kernel colours included). */
    private static String realCellError() throws Exception {
        try (InputStream in = ExecutionFailureTest.class.getResourceAsStream("/nbconvert/cell-error.txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void cellErrorGivesTheCellSourceAndTheExceptionWithoutColours() throws Exception {
        ExecutionFailure f = ExecutionFailure.parse("[NbConvertApp] Converting notebook x\nTraceback (most recent call last):\n  File \"/usr/bin/jupyter-nbconvert\"\n"
                + realCellError());
        assertEquals(ExecutionFailure.Kind.CELL_ERROR, f.kind());
        assertFalse(f.retryable());
        assertEquals("String why = \"deliberate failure for the notebook runner test\";\nthrow new IllegalStateException(why);", f.cellSource());
        assertTrue(f.detail().startsWith("java.lang.IllegalStateException: deliberate failure"), f.detail());
        assertFalse(f.detail().contains("\u001B"), "ANSI colours must be stripped: " + f.detail());
    }

    @Test
    void kernelLogLinesDoNotLeakIntoTheErrorText() throws Exception {
        String out = realCellError().replace("EvalException:", "[2026-11-22 11:10:08] [INFO   ] [ShellChannel]: Handling message: shutdown_request\nEvalException:");
        ExecutionFailure f = ExecutionFailure.parse(out);
        assertFalse(f.detail().contains("ShellChannel"), f.detail());
        assertTrue(f.detail().contains("EvalException: deliberate failure"), f.detail());
    }

    @Test
    void kernelStartFailuresAreTheOnlyRetryableOnes() {
        ExecutionFailure noAnswer = ExecutionFailure.parse("Traceback...\nRuntimeError: Kernel didn't respond in 30 seconds\n");
        assertEquals(ExecutionFailure.Kind.KERNEL_START, noAnswer.kind());
        assertTrue(noAnswer.retryable());
        assertEquals("RuntimeError: Kernel didn't respond in 30 seconds", noAnswer.detail());
        assertTrue(ExecutionFailure.parse("RuntimeError: Kernel died before replying to kernel_info\n").retryable());
        ExecutionFailure noSpec = ExecutionFailure.parse("jupyter_client.kernelspec.NoSuchKernel: No such kernel named minerva-java\n");
        assertEquals(ExecutionFailure.Kind.OTHER, noSpec.kind());
        assertFalse(noSpec.retryable());
    }

    @Test
    void cellErrorWinsOverAStartUpMessageInTheSameOutput() throws Exception {
        // A kernel that needed a resend of kernel_info and then ran into a cell error: not retryable.
        ExecutionFailure f = ExecutionFailure.parse("Kernel didn't respond in 30 seconds (earlier attempt)\n" + realCellError());
        assertEquals(ExecutionFailure.Kind.CELL_ERROR, f.kind());
    }

    @Test
    void cellTimeoutKeepsNbclientsMessage() {
        ExecutionFailure f = ExecutionFailure.parse("nbclient.exceptions.CellTimeoutError: A cell timed out while it was being executed, after 5 seconds.\n"
                + "The message was: Cell execution timed out.\n");
        assertEquals(ExecutionFailure.Kind.CELL_TIMEOUT, f.kind());
        assertTrue(f.detail().startsWith("A cell timed out"), f.detail());
    }
}
