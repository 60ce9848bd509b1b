package dev.minerva.model;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the real model files in {@code <repo>/../shared/models}: fails under CI=true if missing, else skips. */
public final class SharedModels {
    private SharedModels() {}

    public static Path require(String relative) {
        String root = System.getProperty("minerva.root", ".");
        Path p = Path.of(root).resolve("../shared/models").resolve(relative).normalize();
        if (!Files.exists(p)) {
            String msg = "missing real model file " + p + " (see DESIGN.md, Models)";
            if ("true".equals(System.getenv("CI"))) throw new AssertionError(msg);
            Assumptions.abort(msg);
        }
        return p;
    }

    public static Path stories260k() { return require("stories260K/stories260K.bin"); }
    public static Path tok512() { return require("stories260K/tok512.bin"); }
    public static Path llama2Tokenizer() { return require("llama2-tokenizer/tokenizer.bin"); }
}
