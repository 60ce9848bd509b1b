package dev.minerva.engine;

import dev.minerva.TestModels;
import dev.minerva.backend.CpuBackend;
import dev.minerva.model.Llama;
import dev.minerva.model.LoadedModel;
import dev.minerva.model.ModelLoader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/** The engine against llama2.c's reference outputs for the real stories260K checkpoint. */
class Stories260KTest {
    static CpuBackend backend;
    static LoadedModel model;
    static Path ref;

    @BeforeAll static void open() throws Exception {
        Path bin = TestModels.require("stories260K/stories260K.bin");
        Path tok = TestModels.require("stories260K/tok512.bin");
        ref = bin.resolveSibling("reference");
        model = ModelLoader.open(bin, tok);
        backend = new CpuBackend();
    }

    @AfterAll static void close() { if (backend != null) backend.close(); }

    @Test void logitsAfterBosMatchReference() throws Exception {
        float[] expected = readFloats(ref.resolve("logits_pos0_bos.txt"));
        Llama llama = new Llama(model.weights(), backend);
        KvCache cache = new DenseKvCache(backend, model.config());
        float[] got = backend.read(llama.forward(Batch.of(0, new int[]{1}, 0, false), cache, ForwardHooks.NONE));
        assertEquals(expected.length, got.length, "vocabulary size");
        int worst = 0;
        double maxDiff = 0;
        for (int i = 0; i < got.length; i++) {
            double d = Math.abs(got[i] - expected[i]);
            if (d > maxDiff) { maxDiff = d; worst = i; }
        }
        System.out.printf("stories260K logits after BOS: max |diff| = %.3g at index %d (got %f, expected %f)%n",
                maxDiff, worst, got[worst], expected[worst]);
        assertTrue(maxDiff <= 1e-4, "max |diff| " + maxDiff + " at index " + worst + ": got " + got[worst] + " expected " + expected[worst]);
    }

    @Test void greedy256StepsMatchesLlama2c() throws Exception {
        int[] expectedIds = Arrays.stream(Files.readString(ref.resolve("greedy_t0_token_ids.txt")).trim().split("\\s+"))
                .mapToInt(Integer::parseInt).toArray();
        String expectedText = Files.readString(ref.resolve("greedy_t0_steps256.txt"));
        // llama2.c's run prints a newline after the last token
        if (expectedText.endsWith("\n")) expectedText = expectedText.substring(0, expectedText.length() - 1);
        Generator gen = new Generator(new Llama(model.weights(), backend), model.tokenizer());
        StringBuilder streamed = new StringBuilder();
        Generator.Result r = gen.generate("", 256, Sampler.greedy(), streamed::append);
        int[] ids = new int[r.tokens().length + 1];
        ids[0] = 1;
        System.arraycopy(r.tokens(), 0, ids, 1, r.tokens().length);
        for (int i = 0; i < Math.min(ids.length, expectedIds.length); i++) {
            if (ids[i] != expectedIds[i]) fail("token " + i + " differs: got " + ids[i] + ", expected " + expectedIds[i]);
        }
        assertEquals(expectedIds.length, ids.length, "number of tokens");
        assertEquals(expectedText, r.text(), "decoded text");
        assertEquals(expectedText, streamed.toString(), "streamed text");
    }

    static float[] readFloats(Path p) throws Exception {
        String[] parts = Files.readString(p).trim().split("\\s+");
        float[] f = new float[parts.length];
        for (int i = 0; i < f.length; i++) f[i] = Float.parseFloat(parts[i]);
        return f;
    }
}
