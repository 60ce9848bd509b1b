package dev.minerva.notebook;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class NotebookSelectionTest {

    @TempDir Path dir;

    private void notebooks(String... names) throws Exception {
        for (String n : names) Files.writeString(dir.resolve(n), "{}");
        Files.writeString(dir.resolve("README.md"), "not a notebook");
    }

    @Test
    void noNamesMeansEveryNotebookInNameOrder() throws Exception {
        notebooks("02-engine.ipynb", "00-quickstart.ipynb", "01-roofline.ipynb");
        assertEquals(List.of(dir.resolve("00-quickstart.ipynb"), dir.resolve("01-roofline.ipynb"), dir.resolve("02-engine.ipynb")),
                NotebookRunner.select(dir, List.of()));
    }

    @Test
    void namesWithOrWithoutExtensionOrAUniquePrefixKeepTheGivenOrder() throws Exception {
        notebooks("00-quickstart.ipynb", "01-roofline.ipynb", "01-roofline-gpu.ipynb");
        assertEquals(List.of(dir.resolve("01-roofline.ipynb"), dir.resolve("00-quickstart.ipynb"), dir.resolve("01-roofline-gpu.ipynb")),
                NotebookRunner.select(dir, List.of("01-roofline", "00", "01-roofline-gpu.ipynb")));
    }

    @Test
    void aPathToANotebookFileIsTakenAsItIs() throws Exception {
        Path elsewhere = Files.writeString(Files.createDirectories(dir.resolve("sub")).resolve("x.ipynb"), "{}");
        assertEquals(List.of(elsewhere), NotebookRunner.select(dir, List.of(elsewhere.toString())));
    }

    @Test
    void unknownAndAmbiguousNamesAreErrorsListingTheNotebooks() throws Exception {
        notebooks("01-roofline.ipynb", "01-roofline-gpu.ipynb");
        var unknown = assertThrows(IllegalArgumentException.class, () -> NotebookRunner.select(dir, List.of("07-batching")));
        assertTrue(unknown.getMessage().contains("no notebook '07-batching'") && unknown.getMessage().contains("01-roofline.ipynb"), unknown.getMessage());
        var ambiguous = assertThrows(IllegalArgumentException.class, () -> NotebookRunner.select(dir, List.of("01")));
        assertTrue(ambiguous.getMessage().contains("several notebooks match '01'"), ambiguous.getMessage());
    }
}
