package dev.minerva.tokenizer;

import dev.minerva.TestModels;
import dev.minerva.model.tokenizer.Llama2cTokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** llama2.c tokenizer: known Llama 2 encodings, an independent string-based BPE, round trips, bad files. */
class Llama2cTokenizerTest {
    static Llama2cTokenizer llama2;
    static Path llama2File;

    @BeforeAll static void load() throws IOException {
        llama2File = TestModels.require("llama2-tokenizer/tokenizer.bin");
        llama2 = Llama2cTokenizer.load(llama2File, 32000);
    }

    @Test void knownLlama2Encodings() {
        // byte tokens: "<0xNN>" is id NN + 3; "▁" (stored as " " by llama2.c's export) is 29871
        assertEquals(" ", llama2.piece(29871));
        assertEquals("<0x0A>", llama2.piece(13));
        assertArrayEquals(new int[]{1}, llama2.encode("", true, false));
        assertArrayEquals(new int[]{1, 306, 4658, 278, 6593, 310, 2834, 338},
                llama2.encode("I believe the meaning of life is", true, false));
        assertArrayEquals(new int[]{1, 3439, 17632, 1925, 29892, 278, 6368, 310, 14215, 537, 5922, 393, 29871},
                llama2.encode("Simply put, the theory of relativity states that ", true, false));
        // 🦙 (U+1F999) has no piece: dummy-prefix space, then its 4 UTF-8 bytes F0 9F A6 99 as byte tokens (+3)
        assertArrayEquals(new int[]{1, 29871, 0xF0 + 3, 0x9F + 3, 0xA6 + 3, 0x99 + 3}, llama2.encode("🦙", true, false));
        // EOS appended on request
        int[] withEos = llama2.encode("hi", true, true);
        assertEquals(2, withEos[withEos.length - 1]);
    }

    @Test void independentBpeAgreesOnTrickyStrings() throws IOException {
        IndependentBpe ref = new IndependentBpe(llama2File, 32000);
        for (String s : List.of("Hello world", " leading space", "  two leading", "multiple   spaces  here", "trailing ",
                "héllo wörld ☃", "naïve café — “quotes”", "emoji 🦙🚀 and bytes", "tabs\tand\nnewlines\r\n", "日本語のテキスト",
                "I believe the meaning of life is", "x", " ", "\u0000nul", "a\u200Bzero-width")) {
            int[] got = llama2.encode(s, true, false);
            int[] want = ref.encode(s);
            assertArrayEquals(want, got, "encoding of \"" + s + "\": got " + Arrays.toString(got) + " want " + Arrays.toString(want));
            // decoding restores the text (the dummy-prefix space is dropped after BOS)
            assertEquals(s, llama2.decode(got), "round trip of \"" + s + "\"");
        }
    }

    @Test void longRandomTextsAgreeWithTheIndependentBpe() throws IOException {
        IndependentBpe ref = new IndependentBpe(llama2File, 32000);
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(77);
        String alphabet = "aaabcdeeefghiiijklmnooopqrstuuuvwxyz   ..,,THE the ing tion éü☃🦙\n";
        for (int k = 0; k < 5; k++) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 400; i++) sb.appendCodePoint(alphabet.codePointAt(alphabet.offsetByCodePoints(0, rnd.nextInt(alphabet.codePointCount(0, alphabet.length())))));
            String s = sb.toString();
            assertArrayEquals(ref.encode(s), llama2.encode(s, true, false), "random text " + k + ": " + s);
            assertEquals(s, llama2.decode(llama2.encode(s, true, false)));
        }
    }

    @Test void snowmanUsesBytesOrAPiece() {
        int[] ids = llama2.encode("☃", false, false);
        // whatever the merges, the pieces concatenate back to " ☃"
        StringBuilder sb = new StringBuilder();
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        for (int id : ids) b.writeBytes(llama2.pieceBytes(-1, id));
        assertEquals(" ☃", b.toString(StandardCharsets.UTF_8));
    }

    @Test void stories260KTokenizerRoundTrips() throws IOException {
        Llama2cTokenizer tok = Llama2cTokenizer.load(TestModels.require("stories260K/tok512.bin"), 512);
        String s = "Once upon a time, there was a little girl named Lily. Ünïcödé ☃!";
        int[] ids = tok.encode(s, true, false);
        assertEquals(1, ids[0]);
        assertEquals(s, tok.decode(ids));
        assertArrayEquals(new IndependentBpe(TestModels.require("stories260K/tok512.bin"), 512).encode(s), ids);
    }

    @Test void badTokenizerFilesGiveClearErrors(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path truncated = dir.resolve("trunc.bin");
        byte[] all = Files.readAllBytes(llama2File);
        Files.write(truncated, Arrays.copyOf(all, all.length / 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Llama2cTokenizer.load(truncated, 32000));
        assertTrue(e.getMessage().contains("trunc.bin") && e.getMessage().contains("byte offset"), e.getMessage());
        Path badLen = dir.resolve("badlen.bin");
        byte[] copy = all.clone();
        ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).putInt(8, -5);   // length of token 0
        Files.write(badLen, copy);
        e = assertThrows(IllegalArgumentException.class, () -> Llama2cTokenizer.load(badLen, 32000));
        assertTrue(e.getMessage().contains("token 0") && e.getMessage().contains("byte offset 8"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Llama2cTokenizer.load(dir, 32000));
        assertThrows(IllegalArgumentException.class, () -> Llama2cTokenizer.load(llama2File, Integer.MAX_VALUE));
    }

    /**
     * The SentencePiece BPE of llama2.c restated over strings: split into code points (bytes when a code
     * point has no piece), then merge the adjacent pair whose concatenation has the highest score.
     */
    static final class IndependentBpe {
        final Map<String, Integer> id = new HashMap<>();
        final Map<String, Float> score = new HashMap<>();

        IndependentBpe(Path file, int n) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
            b.getInt();
            for (int i = 0; i < n; i++) {
                float s = b.getFloat();
                byte[] p = new byte[b.getInt()];
                b.get(p);
                String str = new String(p, StandardCharsets.UTF_8);
                if (!id.containsKey(str)) { id.put(str, i); score.put(str, s); }
            }
        }

        int[] encode(String text) {
            List<String> parts = new ArrayList<>();
            if (!text.isEmpty()) parts.add(" ");
            for (int i = 0; i < text.length(); ) {
                int cp = text.codePointAt(i);
                String c = new String(Character.toChars(cp));
                if (id.containsKey(c)) parts.add(c);
                else for (byte x : c.getBytes(StandardCharsets.UTF_8)) parts.add(String.format("<0x%02X>", x & 0xFF));
                i += Character.charCount(cp);
            }
            while (true) {
                int at = -1;
                float best = -Float.MAX_VALUE;
                for (int i = 0; i + 1 < parts.size(); i++) {
                    Float s = score.get(parts.get(i) + parts.get(i + 1));
                    if (s != null && (at < 0 || s > best)) { best = s; at = i; }
                }
                if (at < 0) break;
                parts.set(at, parts.get(at) + parts.remove(at + 1));
            }
            int[] out = new int[parts.size() + 1];
            out[0] = 1;
            for (int i = 0; i < parts.size(); i++) out[i + 1] = id.get(parts.get(i));
            return out;
        }
    }
}
