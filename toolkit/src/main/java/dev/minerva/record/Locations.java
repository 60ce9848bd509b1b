package dev.minerva.record;

import java.nio.file.Path;

/**
 * Where the project lives and where runs write. The root is the system property {@code minerva.root}
 * (set by {@code ./minerva} and by surefire), else env {@code MINERVA_ROOT}, else the working directory.
 * The output folder is env {@code MINERVA_OUT}, else the root.
 */
public final class Locations {
    private Locations() {}

    public static Path root() {
        String p = System.getProperty("minerva.root");
        if (p == null || p.isBlank()) p = System.getenv("MINERVA_ROOT");
        if (p == null || p.isBlank()) p = ".";
        return Path.of(p).toAbsolutePath().normalize();
    }

    public static Path out() {
        String p = System.getenv("MINERVA_OUT");
        return p == null || p.isBlank() ? root() : Path.of(p).toAbsolutePath().normalize();
    }

    /** {@code <out>/datasets/results/<study>}. */
    public static Path studyResults(Path out, String study) {
        return out.resolve("datasets").resolve("results").resolve(study);
    }

    /** {@code <out>/papers/<paper>/figures}. */
    public static Path paperFigures(Path out, String paper) {
        return out.resolve("papers").resolve(paper).resolve("figures");
    }
}
