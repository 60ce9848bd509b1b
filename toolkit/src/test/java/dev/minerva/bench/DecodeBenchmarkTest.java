package dev.minerva.bench;

import dev.minerva.backend.CpuBackend;
import dev.minerva.engine.Generator;
import dev.minerva.engine.Sampler;
import dev.minerva.engine.BatchDecoder;
import dev.minerva.model.Llama;
import dev.minerva.model.ModelConfig;
import dev.minerva.model.RandomWeights;
import dev.minerva.model.Weights;
import dev.minerva.tensor.DType;
import dev.minerva.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The shared prefill/decode timing harness on small random models. */
class DecodeBenchmarkTest {
    static final ModelConfig TIED = new ModelConfig(64, 96, 2, 4, 2, 128, 64, 10000, 1e-5, true, null);
    static final ModelConfig UNTIED = new ModelConfig(64, 96, 2, 4, 2, 128, 64, 10000, 1e-5, false, null);

    @Test void measuresTheRequestedSteps() {
        try (Arena arena = Arena.ofShared(); CpuBackend backend = new CpuBackend(2)) {
            Weights w = RandomWeights.create(TIED, DType.F32, 3, arena);
            DecodeBenchmark.Result r = DecodeBenchmark.measure(new Llama(w, backend), w, new DecodeBenchmark.Settings(12, 10, 2, 7));
            assertEquals(12, r.promptTokens());
            assertEquals(9, r.decodeSteps(), "the first generated token comes from the prefill");
            assertTrue(r.ttftNanos() > 0 && r.decodeNanos() > 0);
            assertEquals(1e3 / r.decodeTokensPerSecond(), r.tpotMs(), 1e-9);
            assertEquals(100.0, r.percentOf(r.decodeBytesPerSecond()), 1e-9);
            assertEquals(r.decodeTokensPerSecond(), r.ceilingTokensPerSecond(r.decodeBytesPerSecond()), 1e-6);
            assertEquals("F32", r.dtype());
        }
    }

    @Test void aProfileCoversExactlyTheTimedPrefillAndDecodeSteps() {
        try (Arena arena = Arena.ofShared(); OpProfile profile = new OpProfile(new CpuBackend(2))) {
            Weights w = RandomWeights.create(TIED, DType.F32, 3, arena);
            DecodeBenchmark.Result r = DecodeBenchmark.measure(new Llama(w, profile), w, new DecodeBenchmark.Settings(12, 10, 0, 7));
            assertEquals(java.util.List.of(DecodeBenchmark.PREFILL, DecodeBenchmark.DECODE), profile.phases());
            int layers = TIED.nLayers(), steps = r.decodeSteps();
            java.util.Map<String, Long> decode = new java.util.HashMap<>(), prefill = new java.util.HashMap<>();
            profile.rows(DecodeBenchmark.DECODE).forEach(row -> decode.put(row.op(), row.calls()));
            profile.rows(DecodeBenchmark.PREFILL).forEach(row -> prefill.put(row.op(), row.calls()));
            assertEquals((long) layers * steps, decode.get("matmul wq+wk+wv F32"), "fused q/k/v once per layer and step: " + decode);
            assertEquals((long) layers * steps, decode.get("matmul w1+w3 F32"));
            assertEquals((long) layers * steps, decode.get("attention"));
            assertEquals((long) steps, decode.get("matmul tok_embeddings F32"), "the tied classifier once per step");
            assertEquals((long) layers, prefill.get("matmul w2 F32"), "one prefill call");
            assertTrue(profile.totalNanos(DecodeBenchmark.DECODE) <= r.decodeNanos(), "ops inside the timed decode");
            assertTrue(profile.totalNanos(DecodeBenchmark.PREFILL) <= r.ttftNanos(), "ops inside the timed prefill");
            for (OpProfile.Row row : profile.rows(DecodeBenchmark.DECODE)) {
                assertEquals(row.op().startsWith("matmul") || row.op().equals("embedding"), row.weightBytes() > 0, row.op() + " weight bytes");
            }
        }
    }

    /**
     * What a {@link BatchDecoder} (on a GPU, the device decoder's slots) sees from the benchmark: every generation fits
     * the room it was opened with, each sequence's pick is fed back to it, every decoder is closed, and the timed
     * generation of each sequence is a plain greedy generation of its prompt (the tokens {@link Generator} gives alone).
     */
    @Test void aBatchDecoderSeesGreedyGenerationsWithinTheirRoom() {
        for (int batch : new int[]{1, 3}) {
            try (Arena arena = Arena.ofShared(); CpuBackend backend = new CpuBackend(2)) {
                Weights w = RandomWeights.create(TIED, DType.F32, 3, arena);
                Llama llama = new Llama(w, backend);
                var settings = new DecodeBenchmark.Settings(12, 10, 2, 7);
                int room = DecodeBenchmark.capacity(TIED, settings);
                assertEquals(12 + 10 + 2 + 1, room);
                BatchDecoder.Factory host = BatchDecoder.of(llama);
                List<int[][]> prompts = new ArrayList<>();
                List<List<int[]>> picked = new ArrayList<>();
                int[] open = {0};
                BatchDecoder.Factory recording = (sampler, b, capacity) -> {
                    assertEquals(room, capacity);
                    assertEquals(batch, b);
                    assertTrue(sampler.isGreedy());
                    BatchDecoder d = host.open(sampler, b, capacity);
                    open[0]++;
                    int[][] in = new int[b][];
                    List<int[]> out = new ArrayList<>();
                    prompts.add(in);
                    picked.add(out);
                    return new BatchDecoder() {
                        final int[] pos = new int[b], last = new int[b];

                        @Override public int batch() { return b; }

                        @Override public Sampler.Sample prefill(int seq, int[] prompt) {
                            in[seq] = prompt.clone();
                            pos[seq] = prompt.length;
                            Sampler.Sample s = d.prefill(seq, prompt);
                            last[seq] = s.token();
                            return s;
                        }

                        @Override public Sampler.Sample[] next(int[] tokens) {
                            assertArrayEquals(last, tokens, "each sequence's last pick is fed back to it");
                            for (int i = 0; i < b; i++) {
                                assertTrue(pos[i] < capacity, "position " + pos[i] + " outside a room of " + capacity);
                                pos[i]++;
                            }
                            Sampler.Sample[] s = d.next(tokens);
                            int[] t = new int[b];
                            for (int i = 0; i < b; i++) t[i] = last[i] = s[i].token();
                            out.add(t);
                            return s;
                        }

                        @Override public void close() {
                            open[0]--;
                            d.close();
                        }
                    };
                };
                DecodeBenchmark.Result r = DecodeBenchmark.measure(recording, w, settings, batch, null);
                assertEquals(0, open[0], "every decoder closed");
                assertEquals(9, r.decodeSteps());
                assertEquals(batch, r.batch());
                assertEquals(batch * 9 / (r.decodeNanos() / 1e9), r.decodeTokensPerSecond(), 1e-6 * r.decodeTokensPerSecond());
                assertTrue(prompts.size() >= 4, "two warm-up prefills, at least one warm decode, the timed run: " + prompts.size());
                int[][] timed = prompts.getLast();
                assertArrayEquals(prompts.getFirst()[0], timed[0], "the timed prompt is the warm-up's");
                assertNull(prompts.getFirst().length > 1 ? prompts.getFirst()[1] : null, "the prefill warm-up runs one sequence");
                for (int i = 0; i < batch; i++) {
                    assertEquals(12, timed[i].length);
                    if (i > 0) assertFalse(Arrays.equals(timed[0], timed[i]), "each sequence has its own prompt");
                    // alone, through Generator: the first token from the prefill, then the 9 the timed steps picked
                    int[] want = new Generator(llama, null).generate(timed[i], 10, Sampler.greedy(), null).tokens();
                    int[] got = new int[9];
                    for (int step = 0; step < 9; step++) got[step] = picked.getLast().get(step)[i];
                    assertArrayEquals(Arrays.copyOfRange(want, 1, 10), got, "sequence " + i + " of " + batch + " decodes as it would alone");
                }
            }
        }
    }

    @Test void streamedBytesCountTheEmbeddingOnlyWhenItIsTheClassifier() {
        try (Arena arena = Arena.ofConfined()) {
            Weights tied = RandomWeights.create(TIED, DType.F32, 3, arena), untied = RandomWeights.create(UNTIED, DType.F32, 3, arena);
            assertEquals(tied.byteSize(), DecodeBenchmark.streamedBytes(tied));
            Tensor emb = untied.get("tok_embeddings");
            assertEquals(untied.byteSize() - emb.byteSize(), DecodeBenchmark.streamedBytes(untied),
                    "an untied embedding table is gathered by row, not streamed");
        }
    }

    @Test void promptLongerThanTheContextIsRefused() {
        try (Arena arena = Arena.ofConfined(); CpuBackend backend = new CpuBackend(1)) {
            Weights w = RandomWeights.create(TIED, DType.F32, 3, arena);
            var e = assertThrows(IllegalArgumentException.class,
                    () -> DecodeBenchmark.measure(new Llama(w, backend), w, new DecodeBenchmark.Settings(64, 4, 0, 7)));
            assertTrue(e.getMessage().contains("context"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> new DecodeBenchmark.Settings(0, 4, 0, 7));
        }
    }
}
