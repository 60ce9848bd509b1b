package dev.minerva.notebook;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A Jupyter kernelspec ({@code kernel.json}) for the rapaio Java kernel on JDK 25.
 *
 * @param argv          the kernel's command line; {@code {connection_file}} is filled in by Jupyter
 * @param displayName   name shown in Jupyter's kernel menu
 * @param language      {@code java}
 * @param interruptMode {@code message}: the kernel takes interrupts as control messages
 * @param env           environment of the kernel process
 */
public record KernelSpec(List<String> argv,
                         @JsonProperty("display_name") String displayName,
                         String language,
                         @JsonProperty("interrupt_mode") String interruptMode,
                         Map<String, String> env) {

    /** The kernel name notebooks declare in {@code metadata.kernelspec.name}. */
    public static final String NAME = "minerva-java";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * The Minerva kernel: {@code javaHome}'s java with the Vector API, the patch jar before the kernel jar,
     * main class {@code org.rapaio.jupyter.kernel.MainApp}, and {@code classpath} visible to notebook code.
     *
     * @param javaHome  a JDK 25 home
     * @param patchJar  the start-up patch (shadows a kernel class, hence first on the class path)
     * @param kernelJar the rapaio-jupyter-kernel jar
     * @param classpath jars and folders notebooks can import from
     * @throws IllegalArgumentException when a class-path entry contains ';' (the kernel splits on it)
     */
    public static KernelSpec minerva(Path javaHome, Path patchJar, Path kernelJar, List<Path> classpath) {
        List<String> argv = List.of(
                javaHome.resolve("bin/java").toString(),
                "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED",
                "-Djava.awt.headless=true",
                "-cp", patchJar.toAbsolutePath() + ":" + kernelJar.toAbsolutePath(),
                "org.rapaio.jupyter.kernel.MainApp",
                "{connection_file}");
        for (Path p : classpath) {
            if (p.toString().contains(";")) throw new IllegalArgumentException("class-path entry contains ';', which the kernel cannot take: " + p);
        }
        Map<String, String> env = new LinkedHashMap<>();
        // The kernel splits RJK_CLASSPATH on ';' only: a ':' list would silently lose every class.
        env.put("RJK_CLASSPATH", classpath.stream().map(p -> p.toAbsolutePath().toString()).collect(Collectors.joining(";")));
        env.put("RJK_COMPILER_OPTIONS", "--add-modules jdk.incubator.vector");
        env.put("RJK_TIMEOUT_MILLIS", "-1");  // no per-cell limit inside the kernel; the executor sets one
        return new KernelSpec(argv, "Java 25 (Minerva)", "java", "message", java.util.Collections.unmodifiableMap(env));
    }

    /** The spec as pretty JSON. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise kernelspec", e);
        }
    }

    /**
     * Writes {@code <jupyterDir>/kernels/<name>/kernel.json} through a temporary file and an atomic rename.
     *
     * @return the written file
     */
    public Path writeTo(Path jupyterDir, String name) throws IOException {
        Path dir = jupyterDir.resolve("kernels").resolve(name);
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "kernel", ".json.tmp");
        try {
            Files.writeString(tmp, toJson() + "\n");
            return Files.move(tmp, dir.resolve("kernel.json"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Reads a {@code kernel.json}. */
    public static KernelSpec read(Path file) throws IOException {
        return JSON.readValue(file.toFile(), KernelSpec.class);
    }
}
