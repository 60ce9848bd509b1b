package dev.minerva.engine;

import dev.minerva.TestModels;
import dev.minerva.backend.CpuBackend;
import dev.minerva.model.Llama;
import dev.minerva.model.LoadedModel;
import dev.minerva.model.ModelLoader;
import dev.minerva.model.tokenizer.Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/** Generation edge cases on the real stories260K model (context 512). */
class GeneratorEdgeCaseTest {
    static CpuBackend backend;
    static LoadedModel model;
    static Llama llama;

    @BeforeAll static void open() throws Exception {
        model = ModelLoader.open(TestModels.require("stories260K/stories260K.bin"), TestModels.require("stories260K/tok512.bin"));
        backend = new CpuBackend(2);
        llama = new Llama(model.weights(), backend);
    }

    @AfterAll static void close() { if (backend != null) backend.close(); }

    @Test void emptyPromptStartsFromBos() {
        Generator.Result r = new Generator(llama, model.tokenizer()).generate("", 5, Sampler.greedy(), null);
        assertArrayEquals(new int[]{1}, r.promptTokens());
        assertArrayEquals(new int[]{403, 407, 261, 378, 432}, r.tokens());   // the reference's first 5 ids
    }

    /** Given stop tokens end the generation before them, like EOS; BOS still stops it. */
    @Test void stopsAtGivenTokens() {
        Generator g = new Generator(llama, model.tokenizer());
        Generator.Result r = g.stoppingAt(261).generate("", 5, Sampler.greedy(), null);
        assertArrayEquals(new int[]{403, 407}, r.tokens());
        assertEquals(Generator.Stop.END_OF_SEQUENCE, r.stop());
        assertEquals(model.tokenizer().decode(new int[]{403, 407}).strip(), r.text());
        Generator.Result none = g.stoppingAt(300, 301).generate("", 5, Sampler.greedy(), null);
        assertArrayEquals(new int[]{403, 407, 261, 378, 432}, none.tokens());
        assertEquals(Generator.Stop.MAX_TOKENS, none.stop());
    }

    /**
     * What a {@link SequenceDecoder} sees from Generator (the contract the GPU one relies on): one decoder per generation,
     * opened with room for the prompt and the tokens, the prompt once, then each picked token fed back in order, and a
     * close; none at all for max-tokens 0. The text equals the plain path's.
     */
    @Test void decoderSeesThePromptThenEachPickAndIsClosed() {
        java.util.List<String> calls = new java.util.ArrayList<>();
        SequenceDecoder.Factory host = SequenceDecoder.of(llama);
        SequenceDecoder.Factory recording = (sampler, capacity) -> {
            calls.add("open " + capacity);
            SequenceDecoder d = host.open(sampler, capacity);
            return new SequenceDecoder() {
                @Override public Sampler.Sample prefill(int[] prompt) { calls.add("prefill " + prompt.length); return log(d.prefill(prompt)); }
                @Override public Sampler.Sample next(int token) { calls.add("next " + token); return log(d.next(token)); }
                private Sampler.Sample log(Sampler.Sample s) { calls.add("pick " + s.token()); return s; }
                @Override public void close() { calls.add("close"); d.close(); }
            };
        };
        Generator.Result r = new Generator(model.config(), recording, model.tokenizer()).generate("", 3, Sampler.greedy(), null);
        assertEquals(java.util.List.of("open 4", "prefill 1", "pick 403", "next 403", "pick 407", "next 407", "pick 261", "close"), calls);
        assertEquals(new Generator(llama, model.tokenizer()).generate("", 3, Sampler.greedy(), null).text(), r.text());
        calls.clear();
        new Generator(model.config(), recording, model.tokenizer()).generate("Once", 0, Sampler.greedy(), null);
        assertEquals(java.util.List.of(), calls, "max-tokens 0 opens no decoder");
    }

    @Test void maxTokensZeroGeneratesNothing() {
        Generator.Result r = new Generator(llama, model.tokenizer()).generate("Once", 0, Sampler.greedy(), s -> fail("no text expected"));
        assertEquals(0, r.tokens().length);
        assertEquals("", r.text());
    }

    @Test void promptAtTheContextLimitAndPastIt() {
        int ctx = model.config().seqLen();
        int[] full = new int[ctx];
        Arrays.fill(full, 300);
        full[0] = 1;
        Generator g = new Generator(llama, model.tokenizer());
        Generator.Result r = g.generate(full, 10, Sampler.greedy(), null);
        assertTrue(r.tokens().length <= 1, "a full context leaves room for one sampled token, got " + r.tokens().length);
        int[] over = Arrays.copyOf(full, ctx + 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> g.generate(over, 10, Sampler.greedy(), null));
        assertTrue(e.getMessage().contains("513 tokens") && e.getMessage().contains("512"), e.getMessage());
        int[] near = Arrays.copyOf(full, ctx - 3);
        Generator.Result n = g.generate(near, 100, Sampler.greedy(), null);
        if (n.stop() != Generator.Stop.END_OF_SEQUENCE) {
            assertEquals(Generator.Stop.CONTEXT_LIMIT, n.stop());
            assertEquals(4, n.tokens().length, "tokens at slots ctx-3 .. ctx-1 plus the last sampled one");
        }
    }

    @Test void stopsAtEndOfSequenceWithoutEmittingIt() {
        // a tokenizer whose EOS is the token greedy decoding produces third: generation must stop before it
        Tokenizer real = model.tokenizer();
        Generator.Result first = new Generator(llama, real).generate("", 3, Sampler.greedy(), null);
        int third = first.tokens()[2];
        Tokenizer eosIsThird = new Tokenizer() {
            public int[] encode(String t, boolean b, boolean e) { return real.encode(t, b, e); }
            public String decodePiece(int p, int t) { return real.decodePiece(p, t); }
            public byte[] pieceBytes(int p, int t) { return real.pieceBytes(p, t); }
            public String decode(int[] t) { return real.decode(t); }
            public int vocabSize() { return real.vocabSize(); }
            public int bos() { return real.bos(); }
            public int eos() { return third; }
        };
        Generator.Result r = new Generator(llama, eosIsThird).generate("", 50, Sampler.greedy(), null);
        assertArrayEquals(Arrays.copyOf(first.tokens(), 2), r.tokens());
        assertEquals(Generator.Stop.END_OF_SEQUENCE, r.stop());
    }

    @Test void sameSeedSameTokensAndProbabilitiesAreDistributions() {
        Generator g = new Generator(llama, model.tokenizer());
        Generator.Result a = g.generate("Once upon", 40, new Sampler(0.9f, 40, 0.95f, 0.05f, 1234), null);
        Generator.Result b = g.generate("Once upon", 40, new Sampler(0.9f, 40, 0.95f, 0.05f, 1234), null);
        assertArrayEquals(a.tokens(), b.tokens());
        for (float p : a.probabilities()) assertTrue(p > 0 && p <= 1, "probability " + p);
        Generator.Result c = g.generate("Once upon", 40, new Sampler(1.5f, 0, 1f, 0f, 99), null);
        assertFalse(Arrays.equals(a.tokens(), c.tokens()), "a different seed and temperature should change a 40-token sample");
    }

    @Test void samplerFiltersAndGreedyProbability() {
        float[] logits = {1f, 3f, 2f, -1f};
        Sampler.Sample g = Sampler.greedy().sample(logits);
        assertEquals(1, g.token());
        double z = Math.exp(1) + Math.exp(3) + Math.exp(2) + Math.exp(-1);
        assertEquals(Math.exp(3) / z, g.probability(), 1e-6);
        // top-k 1 is greedy with probability 1 after renormalisation
        Sampler.Sample k1 = new Sampler(1f, 1, 1f, 0f, 5).sample(logits);
        assertEquals(1, k1.token());
        assertEquals(1f, k1.probability(), 1e-6);
        // top-p small enough keeps only the top token
        assertEquals(1, new Sampler(1f, 0, 0.5f, 0f, 5).sample(logits).token());
        // min-p 0.5 keeps tokens with p >= 0.5 p_max: only token 1 (e^2/e^3 = 0.37)
        for (int s = 0; s < 20; s++) assertEquals(1, new Sampler(1f, 0, 1f, 0.5f, s).sample(logits).token());
        assertThrows(IllegalArgumentException.class, () -> new Sampler(-1f, 0, 1f, 0f, 1));
    }
}
