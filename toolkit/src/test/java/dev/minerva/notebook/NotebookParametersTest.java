package dev.minerva.notebook;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class NotebookParametersTest {

    @TempDir Path tmp;

    private NotebookLayout layoutWithDefaultModel() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("repo"));
        NotebookLayout l = new NotebookLayout(root);
        Files.createDirectories(l.defaultModel().getParent());
        Files.writeString(l.defaultModel(), "m");
        Files.writeString(l.defaultTokenizer(), "t");
        return l;
    }

    @Test
    void defaultsAreFullBudgetAutoBackendTheSharedModelAndTheRoot() throws Exception {
        NotebookLayout l = layoutWithDefaultModel();
        NotebookParameters p = NotebookParameters.resolve(l, Map.of(), null, null, null, null, null);
        assertEquals(Map.of("MINERVA_BUDGET", "full", "MINERVA_BACKEND", "auto",
                "MINERVA_MODEL", l.defaultModel().toString(), "MINERVA_TOKENIZER", l.defaultTokenizer().toString(),
                "MINERVA_OUT", l.root().toString(), "MINERVA_ROOT", l.root().toString()), p.toEnv());
    }

    @Test
    void optionsBeatEnvironmentWhichBeatsDefaults() throws Exception {
        NotebookLayout l = layoutWithDefaultModel();
        Path other = Files.writeString(tmp.resolve("other.bin"), "m");
        Map<String, String> env = Map.of("MINERVA_BUDGET", "ci", "MINERVA_BACKEND", "cpu", "MINERVA_MODEL", other.toString(),
                "MINERVA_OUT", tmp.resolve("envout").toString());
        NotebookParameters fromEnv = NotebookParameters.resolve(l, env, null, null, null, null, null);
        assertEquals("ci", fromEnv.budget());
        assertEquals("cpu", fromEnv.backend());
        assertEquals(other, fromEnv.model());
        assertNull(fromEnv.tokenizer(), "the default tokenizer belongs to the default model only");
        assertEquals(tmp.resolve("envout"), fromEnv.out());
        NotebookParameters fromOptions = NotebookParameters.resolve(l, env, "FULL", null, null, "cuda", tmp.resolve("o"));
        assertEquals("full", fromOptions.budget());
        assertEquals("cuda", fromOptions.backend());
        assertEquals(tmp.resolve("o"), fromOptions.out());
    }

    @Test
    void noModelWhenNoneIsKnown() {
        NotebookParameters p = NotebookParameters.resolve(new NotebookLayout(tmp.resolve("bare")), Map.of(), "ci", null, null, null, null);
        assertFalse(p.toEnv().containsKey("MINERVA_MODEL"));
    }

    @Test
    void badValuesAreRejectedByName() {
        NotebookLayout l = new NotebookLayout(tmp);
        var budget = assertThrows(IllegalArgumentException.class, () -> NotebookParameters.resolve(l, Map.of("MINERVA_BUDGET", "huge"), null, null, null, null, null));
        assertTrue(budget.getMessage().contains("MINERVA_BUDGET") && budget.getMessage().contains("huge"), budget.getMessage());
        var backend = assertThrows(IllegalArgumentException.class, () -> NotebookParameters.resolve(l, Map.of(), null, null, null, "tpu", null));
        assertTrue(backend.getMessage().contains("tpu"), backend.getMessage());
        var model = assertThrows(IllegalArgumentException.class, () -> NotebookParameters.resolve(l, Map.of(), null, tmp.resolve("nope.bin"), null, null, null));
        assertTrue(model.getMessage().contains("nope.bin"), model.getMessage());
    }
}
