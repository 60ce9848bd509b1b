package dev.minerva.notebook;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Why an {@code nbconvert --execute} run failed, read from its console output.
 *
 * @param kind       what went wrong
 * @param cellSource the source of the failing cell ({@link Kind#CELL_ERROR} and {@link Kind#CELL_TIMEOUT}), else {@code null}
 * @param detail     the exception or error message, ANSI colours removed
 */
public record ExecutionFailure(Kind kind, String cellSource, String detail) {

    /** Failure classes; only {@link #KERNEL_START} is worth retrying. */
    public enum Kind {
        /** The kernel never answered {@code kernel_info} or died before the first cell. */
        KERNEL_START,
        /** A cell raised an exception or did not compile. */
        CELL_ERROR,
        /** A cell ran past the cell time limit. */
        CELL_TIMEOUT,
        /** Anything else (missing kernelspec, unreadable notebook, ...). */
        OTHER
    }

    private static final Pattern ANSI = Pattern.compile("\u001B\\[[0-9;?]*[A-Za-z]");
    // The kernel shares nbconvert's console; its log lines ("[2026-01-01 10:00:00] [INFO   ] [ShellChannel]: ...")
    // can land inside the error text and are dropped from it.
    private static final Pattern KERNEL_LOG_LINE = Pattern.compile("(?m)^\\[\\d{4}-\\d\\d-\\d\\d [^\\]]*\\] \\[[A-Z ]+\\].*\\R?");
    private static final String CELL_MARKER = "An error occurred while executing the following cell:";
    private static final String RULE = "------------------";
    // jupyter_client's wait_for_ready(): the two ways a kernel fails before the first cell.
    private static final List<String> START_FAILURES = List.of("Kernel didn't respond in", "Kernel died before replying to kernel_info");

    public boolean retryable() { return kind == Kind.KERNEL_START; }

    /** Removes ANSI colour and cursor sequences. */
    public static String stripAnsi(String s) {
        return ANSI.matcher(s).replaceAll("");
    }

    /** Classifies the console output (stdout + stderr) of a failed nbconvert run. */
    public static ExecutionFailure parse(String output) {
        String text = KERNEL_LOG_LINE.matcher(stripAnsi(output).replace("\r\n", "\n")).replaceAll("");
        int at = text.lastIndexOf(CELL_MARKER);
        if (at >= 0) {
            String rest = text.substring(at + CELL_MARKER.length());
            int open = rest.indexOf(RULE);
            int close = open < 0 ? -1 : rest.indexOf("\n" + RULE, open + RULE.length());
            if (open >= 0 && close >= 0) {
                String source = rest.substring(open + RULE.length(), close).strip();
                String detail = rest.substring(close + 1 + RULE.length()).strip();
                return new ExecutionFailure(Kind.CELL_ERROR, source, detail);
            }
            return new ExecutionFailure(Kind.CELL_ERROR, null, rest.strip());
        }
        String last = lastErrorLine(text);
        int timeout = text.lastIndexOf("CellTimeoutError:");
        if (timeout >= 0) {
            String detail = text.substring(timeout + "CellTimeoutError:".length()).strip();
            return new ExecutionFailure(Kind.CELL_TIMEOUT, null, detail);
        }
        for (String s : START_FAILURES) {
            if (text.contains(s)) return new ExecutionFailure(Kind.KERNEL_START, null, last);
        }
        return new ExecutionFailure(Kind.OTHER, null, last);
    }

    /** The last line that looks like a Python exception ("SomeError: message"), else the last non-blank line. */
    private static String lastErrorLine(String text) {
        String[] lines = text.strip().split("\n");
        for (int i = lines.length - 1; i >= 0; i--) {
            if (lines[i].matches("^[A-Za-z_.]*(Error|Exception)\\b.*")) return lines[i].strip();
        }
        return lines.length == 0 ? "" : lines[lines.length - 1].strip();
    }
}
