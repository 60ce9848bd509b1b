package dev.minerva.notebook;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class NotebookLayoutTest {

    @TempDir Path root;

    @Test
    void notebookClasspathIsTheToolkitJarThenClasspathTxt() throws Exception {
        NotebookLayout l = new NotebookLayout(root);
        Files.createDirectories(l.toolkitJar().getParent());
        Files.writeString(l.toolkitJar(), "jar");
        Files.writeString(l.classpathFile(), "/m2/a.jar:/m2/b.jar\n");
        assertEquals(List.of(l.toolkitJar(), Path.of("/m2/a.jar"), Path.of("/m2/b.jar")), l.notebookClasspath());
    }

    @Test
    void missingToolkitBuildIsNamed() {
        var e = assertThrows(IllegalStateException.class, () -> new NotebookLayout(root).notebookClasspath());
        assertTrue(e.getMessage().contains("minerva-toolkit.jar") && e.getMessage().contains("./minerva setup"), e.getMessage());
    }

    @Test
    void kernelJarMustBeExactlyOne() throws Exception {
        NotebookLayout l = new NotebookLayout(root);
        var none = assertThrows(IllegalStateException.class, l::kernelJar);
        assertTrue(none.getMessage().contains("no rapaio-jupyter-kernel"), none.getMessage());
        Files.createDirectories(l.kernelDir());
        Path a = Files.writeString(l.kernelDir().resolve("rapaio-jupyter-kernel-3.0.1.jar"), "x");
        Files.writeString(l.kernelDir().resolve("minerva-kernel-patch.jar"), "x");
        assertEquals(a, l.kernelJar());
        Files.writeString(l.kernelDir().resolve("rapaio-jupyter-kernel-3.0.4.jar"), "x");
        var two = assertThrows(IllegalStateException.class, l::kernelJar);
        assertTrue(two.getMessage().contains("several kernel jars"), two.getMessage());
    }
}
