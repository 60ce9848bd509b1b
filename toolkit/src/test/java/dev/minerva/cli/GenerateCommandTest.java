package dev.minerva.cli;

import dev.minerva.TestModels;
import dev.minerva.model.ModelLoader;
import dev.minerva.model.tokenizer.ChatFormat;
import dev.minerva.model.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** {@code minerva generate} on the real stories260K model: plain, and wrapped in a chat format. */
class GenerateCommandTest {

    static String[] args(String... more) throws Exception {
        String[] base = {"generate", "--model", TestModels.require("stories260K/stories260K.bin").toString(),
                "--tokenizer", TestModels.require("stories260K/tok512.bin").toString(), "--threads", "1", "--backend", "cpu"};
        String[] all = java.util.Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    static Tokenizer tokenizer() throws Exception {
        return ModelLoader.openTokenizer(TestModels.require("stories260K/tok512.bin"), 512);
    }

    @Test void greedyFromBosPrintsTheReferenceStart() throws Exception {
        CliRun r = CliRun.of(args("--max-tokens", "5"));
        assertEquals(0, r.code(), r.err());
        assertEquals(tokenizer().decode(new int[]{403, 407, 261, 378, 432}).strip(), r.out().strip());
    }

    @Test void chatWrapsThePromptInTheFormat() throws Exception {
        CliRun r = CliRun.of(args("--chat", "--chat-format", "zephyr", "--system", "Be kind.", "--prompt", "Tell me a story.",
                "--max-tokens", "8", "--stats"));
        assertEquals(0, r.code(), r.err());
        int expected = tokenizer().encode(ChatFormat.ZEPHYR.render("Be kind.", "Tell me a story."), true, false).length;
        Matcher m = Pattern.compile("prompt (\\d+) tokens").matcher(r.err());
        assertTrue(m.find(), r.err());
        assertEquals(expected, Integer.parseInt(m.group(1)), "the rendered chat prompt was encoded");
        assertFalse(r.out().isBlank());
    }

    @Test void chatNeedsATemplateOrAFormat() throws Exception {
        CliRun r = CliRun.of(args("--chat", "--prompt", "Hi"));
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("carries no chat template") && r.err().contains("--chat-format"), r.err());
        r = CliRun.of(args("--system", "Be kind.", "--prompt", "Hi"));
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("need --chat"), r.err());
        r = CliRun.of(args("--chat", "--chat-format", "alpaca", "--prompt", "Hi"));
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("unknown chat format 'alpaca'"), r.err());
    }
}
