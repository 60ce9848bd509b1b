package dev.minerva.record;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Publishing files and folders so that readers see all or nothing: content goes to a hidden
 * temporary sibling ({@code .tmp-<pid>-...}) and is renamed into place with {@code ATOMIC_MOVE}.
 * A process killed before the rename leaves only the hidden temporary, which readers ignore and
 * {@link #sweepStale(Path)} removes once its process is gone.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    static final String TMP_PREFIX = ".tmp-";

    /** A fresh hidden temporary folder in {@code parent} (created), tagged with this process id. */
    public static Path tempDir(Path parent, String tag) throws IOException {
        Files.createDirectories(parent);
        Path dir = Files.createTempDirectory(parent, TMP_PREFIX + ProcessHandle.current().pid() + "-" + tag + "-");
        return readable(dir, "rwxr-xr-x");
    }

    /** Writes {@code bytes} to {@code target} through a temporary file in the same folder, replacing any old file. */
    public static void write(Path target, byte[] bytes) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, TMP_PREFIX + ProcessHandle.current().pid() + "-", ".part");
        try {
            Files.write(tmp, bytes);
            readable(tmp, "rw-r--r--");
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Renames a completed temporary folder to {@code target} atomically.
     *
     * @throws FileAlreadyExistsException if {@code target} exists (runs are never overwritten)
     * @throws AtomicMoveNotSupportedException if the file system cannot rename atomically
     */
    public static void publishDir(Path tmpDir, Path target) throws IOException {
        if (Files.exists(target)) throw new FileAlreadyExistsException(target.toString(), null, "result folder exists already");
        Files.move(tmpDir, target, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Temporary files are created owner-only; published results are world-readable like any other file. */
    private static Path readable(Path p, String perms) throws IOException {
        if (p.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
        }
        return p;
    }

    /** True for names this class uses for temporaries (readers skip them). */
    public static boolean isTemporary(Path p) {
        return p.getFileName().toString().startsWith(TMP_PREFIX);
    }

    /** Deletes temporaries in {@code dir} left by processes that are no longer alive. */
    public static void sweepStale(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return;
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(AtomicFiles::isTemporary).toList()) {
                long pid = pidOf(p);
                if (pid > 0 && pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) continue;
                if (pid == ProcessHandle.current().pid()) continue;
                deleteTree(p);
            }
        }
    }

    private static long pidOf(Path p) {
        String rest = p.getFileName().toString().substring(TMP_PREFIX.length());
        int dash = rest.indexOf('-');
        try {
            return Long.parseLong(dash < 0 ? rest : rest.substring(0, dash));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Removes a folder and everything under it. */
    public static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) return;
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
