package dev.minerva.notebook;

import java.nio.file.Path;

/**
 * The outcome of executing one notebook.
 *
 * @param name     notebook name without {@code .ipynb}
 * @param executed the executed copy (written only on success), or {@code null}
 * @param log      the nbconvert console output of every attempt
 * @param attempts kernel starts tried (1 + retries)
 * @param seconds  wall time of all attempts
 * @param failure  why it failed, or {@code null} on success
 */
public record NotebookResult(String name, Path executed, Path log, int attempts, double seconds, ExecutionFailure failure) {

    public boolean passed() { return failure == null; }
}
