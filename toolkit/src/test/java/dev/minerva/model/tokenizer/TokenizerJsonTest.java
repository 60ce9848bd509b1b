package dev.minerva.model.tokenizer;

import dev.minerva.model.ModelFormatException;
import dev.minerva.TestModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

public class TokenizerJsonTest {
    public static final List<String> TRICKY = List.of(
            "", " ", "  ", "a", "Hello world", "Once upon a time, there was a little girl named Lily.",
            "  leading and trailing spaces  ", "tabs\tand\nnewlines\n\n", "ünïcödé café naïve", "日本語のテキスト",
            "emoji 🦙🚀 mixed", "numbers 1234567890 3.14159", "punctuation!?.,;:'\"()[]{}", "aaaaaaaaaaaaaaaaaaaa",
            "The quick brown fox jumps over the lazy dog.", "don't won't it's I'm they're", "x", "\u0000 control \u0001",
            "Zürich → München ≠ Köln", "multi   spaces   here", "CamelCaseIdentifiersAndsnake_case_names",
            "less <than> greater, <s without close", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 astral", "ἀρχή", "Ελληνικά, русский, العربية, עברית");

    @Test void tok512JsonMatchesScoreRule(@TempDir Path dir) throws Exception {
        checkEquivalent(TestModels.require("stories260K/tok512.bin"), dir);
    }

    @Test void llama2_32kJsonMatchesScoreRule(@TempDir Path dir) throws Exception {
        checkEquivalent(TestModels.require("llama2-tokenizer/tokenizer.bin"), dir);
    }

    private static void checkEquivalent(Path bin, Path dir) throws Exception {
        SentencePieceVocab vocab = SentencePieceVocab.readLlama2c(bin);
        SentencePieceTokenizer ref = new SentencePieceTokenizer(vocab);
        Llama2cTokenizer engine = Llama2cTokenizer.load(bin, vocab.size());
        Path json = dir.resolve("tokenizer.json");
        TokenizerJson.writeSentencePiece(vocab, json);
        BpeTokenizer hf = TokenizerJson.read(json);
        assertEquals(vocab.size(), hf.vocabSize());
        assertEquals(ref.bos(), hf.bos());
        assertEquals(ref.eos(), hf.eos());
        for (String s : TRICKY) {
            int[] a = ref.encode(s, true, false), b = hf.encode(s, true, false), c = engine.encode(s, true, false);
            assertArrayEquals(c, a, () -> "'" + s + "': Llama2cTokenizer " + Arrays.toString(c) + " vs SentencePieceTokenizer " + Arrays.toString(a));
            assertArrayEquals(a, b, () -> "'" + s + "': tokenizer.bin " + Arrays.toString(a) + " vs tokenizer.json " + Arrays.toString(b));
            assertEquals(ref.decode(a), hf.decode(b), "decode of '" + s + "'");
            if (!s.contains("\u0000") && !s.startsWith(" ")) assertEquals(s, hf.decode(b), "round trip of '" + s + "'");
        }
    }

    /** A whole story corpus: both tokenizers agree with llama2.c's rule (checked on a prefix) and stay fast (O(n log n) merging). */
    @Test void longTextEncodesFastAndAlike(@TempDir Path dir) throws Exception {
        Path corpus = Path.of(System.getProperty("minerva.root", ".")).resolve("datasets/stories/evaluation.txt");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(corpus), "no corpus at " + corpus);
        String text = Files.readString(corpus);
        Path bin = TestModels.require("llama2-tokenizer/tokenizer.bin");
        SentencePieceVocab vocab = SentencePieceVocab.readLlama2c(bin);
        Path json = dir.resolve("tokenizer.json");
        TokenizerJson.writeSentencePiece(vocab, json);
        BpeTokenizer hf = TokenizerJson.read(json);
        SentencePieceTokenizer sp = new SentencePieceTokenizer(vocab);
        long t0 = System.nanoTime();
        int[] a = sp.encode(text, true, false);
        long t1 = System.nanoTime();
        int[] b = hf.encode(text, true, false);
        long t2 = System.nanoTime();
        System.out.printf("%d chars -> %d tokens: SentencePieceTokenizer %.0f ms, tokenizer.json %.0f ms%n", text.length(), a.length, (t1 - t0) / 1e6, (t2 - t1) / 1e6);
        assertArrayEquals(a, b);
        assertEquals(text, hf.decode(b));
        String prefix = text.substring(0, Math.min(3000, text.length()));
        assertArrayEquals(Llama2cTokenizer.load(bin, vocab.size()).encode(prefix, true, false), sp.encode(prefix, true, false));
        assertTrue((t2 - t0) / 1e9 < 20, "encoding took " + (t2 - t0) / 1e9 + " s");
    }

    /** As in Hugging Face, special tokens written in the text are cut out first (tokenizer.bin spells them out). */
    @Test void specialTokenTextMapsToItsId(@TempDir Path dir) throws Exception {
        SentencePieceVocab vocab = SentencePieceVocab.readLlama2c(TestModels.require("stories260K/tok512.bin"));
        Path json = dir.resolve("tokenizer.json");
        TokenizerJson.writeSentencePiece(vocab, json);
        BpeTokenizer hf = TokenizerJson.read(json);
        int[] ids = hf.encode("a</s>b", false, false);
        assertTrue(Arrays.stream(ids).anyMatch(i -> i == vocab.eos()), Arrays.toString(ids));
        assertEquals("ab", hf.decode(ids));
    }

    @Test void malformedJsonNamesFileAndOffset(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("tokenizer.json");
        Files.writeString(f, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0,, }}}");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> TokenizerJson.read(f));
        assertTrue(e.getMessage().contains("tokenizer.json") && e.getMessage().contains("JSON") && e.getMessage().contains("byte"), e.getMessage());
        Files.writeString(f, "{\"model\": {\"type\": \"Unigram\", \"vocab\": []}}");
        e = assertThrows(ModelFormatException.class, () -> TokenizerJson.read(f));
        assertTrue(e.getMessage().contains("model.type"), e.getMessage());
        Files.writeString(f, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1}, \"merges\": [\"a c\"]}}");
        e = assertThrows(ModelFormatException.class, () -> TokenizerJson.read(f));
        assertTrue(e.getMessage().contains("model.merges") && e.getMessage().contains("a c"), e.getMessage());
        Files.writeString(f, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": -4}}}");
        e = assertThrows(ModelFormatException.class, () -> TokenizerJson.read(f));
        assertTrue(e.getMessage().contains("model.vocab['a']"), e.getMessage());
        Files.writeString(f, "[1,2]");
        assertThrows(ModelFormatException.class, () -> TokenizerJson.read(f));
        assertThrows(ModelFormatException.class, () -> TokenizerJson.read(dir));
    }

    @Test void truncatedTokenizerBinNamesTokenAndOffset(@TempDir Path dir) throws Exception {
        byte[] all = Files.readAllBytes(TestModels.require("stories260K/tok512.bin"));
        Path f = dir.resolve("tok.bin");
        Files.write(f, Arrays.copyOf(all, 101));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> SentencePieceVocab.readLlama2c(f));
        assertTrue(e.getMessage().contains("token ") && e.getMessage().contains("at byte"), e.getMessage());
        Files.write(f, new byte[0]);
        assertThrows(ModelFormatException.class, () -> SentencePieceVocab.readLlama2c(f));
    }
}
