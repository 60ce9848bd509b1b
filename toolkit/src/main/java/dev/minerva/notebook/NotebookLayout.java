package dev.minerva.notebook;

import dev.minerva.record.Locations;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Where the notebook machinery lives inside a checkout: the notebooks, the toolkit jar and its class
 * path, the kernel jars made by {@code ./minerva setup}, and the project-local Jupyter data folder.
 *
 * @param root the repository root
 */
public record NotebookLayout(Path root) {

    public NotebookLayout {
        root = root.toAbsolutePath().normalize();
    }

    /** The checkout this JVM runs in ({@link Locations#root()}). */
    public static NotebookLayout current() {
        return new NotebookLayout(Locations.root());
    }

    public Path notebooksDir() { return root.resolve("notebooks"); }

    public Path toolkitJar() { return root.resolve("toolkit/target/minerva-toolkit.jar"); }

    /** {@code toolkit/target/classpath.txt}: the toolkit's runtime dependencies, joined with ':'. */
    public Path classpathFile() { return root.resolve("toolkit/target/classpath.txt"); }

    public Path kernelDir() { return root.resolve(".minerva/kernel"); }

    /** The start-up patch jar; it must precede the kernel jar on the kernel's class path. */
    public Path patchJar() { return kernelDir().resolve("minerva-kernel-patch.jar"); }

    /** The Jupyter data folder to put on {@code JUPYTER_PATH}; the kernelspec lies in its {@code kernels/}. */
    public Path jupyterDir() { return root.resolve(".minerva/jupyter"); }

    /** The default model for notebooks: the stories260K checkpoint beside the checkout, if present. */
    public Path defaultModel() { return root.resolveSibling("shared").resolve("models/stories260K/stories260K.bin"); }

    public Path defaultTokenizer() { return defaultModel().resolveSibling("tok512.bin"); }

    /**
     * The one {@code rapaio-jupyter-kernel-*.jar} in {@link #kernelDir()}.
     *
     * @throws IllegalStateException when there is none or more than one (run {@code ./minerva setup})
     */
    public Path kernelJar() {
        List<Path> jars;
        if (!Files.isDirectory(kernelDir())) jars = List.of();
        else try (Stream<Path> s = Files.list(kernelDir())) {
            jars = s.filter(p -> p.getFileName().toString().matches("rapaio-jupyter-kernel-.*\\.jar")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + kernelDir(), e);
        }
        if (jars.size() != 1) {
            throw new IllegalStateException((jars.isEmpty() ? "no rapaio-jupyter-kernel-*.jar" : "several kernel jars " + jars)
                    + " in " + kernelDir() + ": run ./minerva setup");
        }
        return jars.getFirst();
    }

    /**
     * The class path notebooks see: the toolkit jar, then every entry of {@code classpath.txt}.
     *
     * @throws IllegalStateException naming the missing file when the toolkit is not built
     */
    public List<Path> notebookClasspath() {
        for (Path p : List.of(toolkitJar(), classpathFile())) {
            if (!Files.isRegularFile(p)) throw new IllegalStateException(p + " is missing: build the toolkit (./minerva setup)");
        }
        String text;
        try {
            text = Files.readString(classpathFile()).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + classpathFile(), e);
        }
        Stream<Path> deps = text.isEmpty() ? Stream.empty() : Stream.of(text.split(":")).map(Path::of);
        return Stream.concat(Stream.of(toolkitJar()), deps).toList();
    }
}
