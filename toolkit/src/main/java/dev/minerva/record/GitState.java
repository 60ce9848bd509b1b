package dev.minerva.record;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The source tree a run came from.
 *
 * @param commit full commit hash, or {@code "unknown"} when the root is not a git work tree (or git is absent)
 * @param dirty  uncommitted changes to tracked files at the time of the run
 */
public record GitState(String commit, boolean dirty) {

    public static final String UNKNOWN = "unknown";

    /** Asks {@code git} in {@code root}; never throws. */
    public static GitState probe(Path root) {
        String head = git(root, "rev-parse", "HEAD");
        if (head == null || !head.matches("[0-9a-f]{40}")) return new GitState(UNKNOWN, false);
        String status = git(root, "status", "--porcelain", "--untracked-files=no");
        return new GitState(head, status == null || !status.isBlank());
    }

    private static String git(Path root, String... args) {
        try {
            List<String> cmd = new java.util.ArrayList<>(List.of("git", "-C", root.toString()));
            cmd.addAll(List.of(args));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(false)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            byte[] outBytes = p.getInputStream().readAllBytes();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) return null;
            return new String(outBytes, StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
