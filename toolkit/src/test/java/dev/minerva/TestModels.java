package dev.minerva;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates files under {@code ../shared/models}: skipped when absent on a developer machine, a failure under CI. */
public final class TestModels {
    private TestModels() {}

    public static Path require(String relative) {
        String root = System.getProperty("minerva.root", ".");
        Path p = Path.of(root).toAbsolutePath().normalize().resolve("../shared/models").normalize().resolve(relative);
        if (!Files.exists(p)) {
            if ("true".equals(System.getenv("CI"))) Assertions.fail("required model file missing in CI: " + p);
            Assumptions.assumeTrue(false, "skipping: model file not found: " + p);
        }
        return p;
    }
}
