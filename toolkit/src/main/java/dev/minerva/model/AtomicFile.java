package dev.minerva.model;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes a file or folder under a temporary name beside its target and renames it into place, so
 * an interrupted write never leaves a half-written model behind.
 */
public final class AtomicFile {
    private AtomicFile() {}

    /** Writes through {@code body} into a temporary path, then moves it onto {@code target}. */
    public interface Body {
        void write(Path tmp) throws IOException;
    }

    /** Writes one file (or, if {@code body} creates a directory at the path, a folder) atomically. */
    public static void write(Path target, Body body) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + abs.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        try {
            body.write(tmp);
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException | java.nio.file.DirectoryNotEmptyException e) {
                if (Files.isDirectory(abs)) deleteTree(abs);
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
            }
        } finally {
            if (Files.exists(tmp)) deleteTree(tmp);
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (Files.isDirectory(p)) {
            try (var s = Files.list(p)) {
                for (Path c : s.toList()) deleteTree(c);
            }
        }
        Files.deleteIfExists(p);
    }
}
