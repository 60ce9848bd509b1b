package dev.minerva.model.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/** Byte-level BPE (GPT-2 / Llama 3 style) from a small hand-written tokenizer.json whose answers are worked out by hand. */
class ByteLevelBpeTest {

    @Test void alphabetIsGpt2s() {
        assertEquals('A', ByteLevelAlphabet.toChar('A'));
        assertEquals('\u0120', ByteLevelAlphabet.toChar(' '));   // Ġ
        assertEquals('\u010A', ByteLevelAlphabet.toChar('\n'));  // Ċ
        assertEquals('\u0100', ByteLevelAlphabet.toChar(0));
        for (int b = 0; b < 256; b++) assertEquals(b, ByteLevelAlphabet.toByte(ByteLevelAlphabet.toChar(b)));
    }

    private static Path write(Path dir, boolean llama3) throws Exception {
        // vocab: the 256 byte symbols (ids 0..255), then merged pieces; merges in rank order
        StringBuilder v = new StringBuilder();
        for (int b = 0; b < 256; b++) {
            String c = String.valueOf(ByteLevelAlphabet.toChar(b));
            v.append(v.isEmpty() ? "" : ",").append(json(c)).append(":").append(b);
        }
        String[] merged = {"Ġt", "he", "Ġthe", "ll", "llo", "he" + "llo", "Ġw", "or", "Ġwor", "ld", "Ġworld"};
        for (int i = 0; i < merged.length; i++) v.append(",").append(json(merged[i])).append(":").append(256 + i);
        String merges = String.join(",", json("Ġ t"), json("h e"), json("Ġt he"), json("l l"), json("ll o"), json("he llo"),
                json("Ġ w"), json("o r"), json("Ġw or"), json("l d"), json("Ġwor ld"));
        String pre = llama3
                ? "{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":\"Split\",\"pattern\":{\"Regex\":" + json("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+")
                  + "},\"behavior\":\"Isolated\",\"invert\":false},{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":true,\"use_regex\":false}]}"
                : "{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":true,\"use_regex\":true}";
        String json = "{\"version\":\"1.0\",\"added_tokens\":[{\"id\":300,\"content\":\"<|begin_of_text|>\",\"special\":true},"
                + "{\"id\":301,\"content\":\"<|end_of_text|>\",\"special\":true},"
                + "{\"id\":302,\"content\":\"<|start_header_id|>\",\"special\":true},{\"id\":303,\"content\":\"<|end_header_id|>\",\"special\":true},"
                + "{\"id\":304,\"content\":\"<|eot_id|>\",\"special\":true}],\"normalizer\":null,\"pre_tokenizer\":" + pre
                + ",\"decoder\":{\"type\":\"ByteLevel\"},\"model\":{\"type\":\"BPE\",\"ignore_merges\":" + llama3 + ",\"vocab\":{" + v
                + "},\"merges\":[" + merges + "]}}";
        Path f = dir.resolve("tokenizer.json");
        Files.writeString(f, json);
        return f;
    }

    private static String json(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.append('"').toString();
    }

    @Test void encodesByRankWithinPreTokenizedChunks(@TempDir Path dir) throws Exception {
        for (boolean llama3 : new boolean[]{false, true}) {
            BpeTokenizer t = TokenizerJson.read(write(dir, llama3));
            assertEquals(BpeTokenizer.Mode.BYTE_LEVEL, t.mode());
            assertEquals(300, t.bos());
            assertEquals(301, t.eos());
            // "hello the world": chunks "hello", " the", " world"; hello = he + llo
            int[] ids = t.encode("hello the world", true, false);
            assertArrayEquals(new int[]{300, 261, 258, 266}, ids, Arrays.toString(ids));
            assertEquals("hello the world", t.decode(ids));
            // bytes outside the merged pieces stay single byte symbols: "é" is C3 A9
            ids = t.encode("é!", false, false);
            assertArrayEquals(new int[]{0xC3, 0xA9, '!'}, ids, Arrays.toString(ids));
            assertEquals("é!", t.decode(ids));
            // special tokens in the text map to their ids and are omitted when decoding
            ids = t.encode("the<|end_of_text|>", false, false);
            assertEquals(301, ids[ids.length - 1]);
            assertEquals("the", t.decode(ids));
            assertArrayEquals(new byte[]{(byte) 0xC3}, t.pieceBytes(-1, 0xC3));
        }
    }

    /** A Llama 3 chat prompt: the format's header and end-of-turn markers are single special tokens, not text. */
    @Test void llama3ChatMarkersAreSpecialTokens(@TempDir Path dir) throws Exception {
        BpeTokenizer t = TokenizerJson.read(write(dir, true));
        int[] ids = t.encode(ChatFormat.LLAMA3.render(null, "hello"), true, false);
        // BOS, <|start_header_id|> "user" <|end_header_id|> "\n\n" "hello" <|eot_id|>, <|start_header_id|> "assistant" ...
        assertEquals(300, ids[0]);
        assertEquals(302, ids[1]);
        assertEquals(303, ids[1 + 1 + "user".length()], Arrays.toString(ids));
        assertEquals(1, Arrays.stream(ids).filter(id -> id == 304).count(), Arrays.toString(ids));
        assertEquals(2, Arrays.stream(ids).filter(id -> id == 302).count(), Arrays.toString(ids));
        assertArrayEquals(new int[]{304}, t.encode(ChatFormat.LLAMA3.endOfTurn(), false, false));
        assertEquals("userhelloassistant", t.decode(ids).replace("\n", ""), "special tokens are omitted when decoding");
    }

    @Test void llama3RegexSplitsDigitsInThrees(@TempDir Path dir) throws Exception {
        BpeTokenizer t = TokenizerJson.read(write(dir, true));
        // no merges apply to digits, so each digit is a token; the point is that it round-trips
        int[] ids = t.encode("12345 world", false, false);
        assertEquals("12345 world", t.decode(ids));
        assertEquals(266, ids[ids.length - 1], "' world' is one chunk and one token");
    }
}
