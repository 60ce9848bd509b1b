package dev.minerva.notebook;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class KernelSpecTest {

    @TempDir Path tmp;

    private final Path jdk = Path.of("/opt/jdk-25");
    private final Path patch = Path.of("/r/.minerva/kernel/minerva-kernel-patch.jar");
    private final Path kernel = Path.of("/r/.minerva/kernel/rapaio-jupyter-kernel-3.0.1.jar");

    @Test
    void argvRunsMainAppOnJdk25WithThePatchBeforeTheKernelJar() {
        KernelSpec s = KernelSpec.minerva(jdk, patch, kernel, List.of(Path.of("/r/toolkit.jar")));
        assertEquals(List.of("/opt/jdk-25/bin/java", "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-Djava.awt.headless=true", "-cp", patch + ":" + kernel, "org.rapaio.jupyter.kernel.MainApp", "{connection_file}"),
                s.argv());
        assertEquals("java", s.language());
    }

    @Test
    void classpathIsJoinedWithSemicolonsInOrder() {
        KernelSpec s = KernelSpec.minerva(jdk, patch, kernel, List.of(Path.of("/r/toolkit.jar"), Path.of("/m2/a.jar"), Path.of("/m2/b.jar")));
        assertEquals("/r/toolkit.jar;/m2/a.jar;/m2/b.jar", s.env().get("RJK_CLASSPATH"));
        assertEquals("--add-modules jdk.incubator.vector", s.env().get("RJK_COMPILER_OPTIONS"));
        assertEquals("-1", s.env().get("RJK_TIMEOUT_MILLIS"));
    }

    @Test
    void rejectsAClasspathEntryContainingTheSeparator() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> KernelSpec.minerva(jdk, patch, kernel, List.of(Path.of("/odd;dir/x.jar"))));
        assertTrue(e.getMessage().contains("/odd;dir/x.jar"), e.getMessage());
    }

    @Test
    void writesJupyterFieldNamesAndReadsBackEqual() throws Exception {
        KernelSpec s = KernelSpec.minerva(jdk, patch, kernel, List.of(Path.of("/r/toolkit.jar")));
        Path file = s.writeTo(tmp, KernelSpec.NAME);
        assertEquals(tmp.resolve("kernels/minerva-java/kernel.json"), file);
        String json = Files.readString(file);
        assertTrue(json.contains("\"display_name\"") && json.contains("\"interrupt_mode\""), json);
        assertEquals(s, KernelSpec.read(file));
        try (var left = Files.list(file.getParent())) {
            assertEquals(List.of(file), left.toList(), "no temporary file may stay behind");
        }
    }
}
