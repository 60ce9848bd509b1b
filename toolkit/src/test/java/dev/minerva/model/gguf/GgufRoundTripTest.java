package dev.minerva.model.gguf;

import dev.minerva.model.FuzzModels;
import dev.minerva.model.LoadedModel;
import dev.minerva.model.ModelLoader;
import dev.minerva.model.convert.Converter;
import dev.minerva.model.tokenizer.BpeTokenizer;
import dev.minerva.model.tokenizer.ByteLevelAlphabet;
import dev.minerva.model.tokenizer.Tokenizer;
import dev.minerva.tensor.DType;
import dev.minerva.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class GgufRoundTripTest {

    @Test void everyMetadataTypeRoundTrips(@TempDir Path dir) throws Exception {
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put("u8", new GgufValue(GgufType.UINT8, null, 200L));
        m.put("i8", new GgufValue(GgufType.INT8, null, -100L));
        m.put("u16", new GgufValue(GgufType.UINT16, null, 60000L));
        m.put("i16", new GgufValue(GgufType.INT16, null, -30000L));
        m.put("u32", GgufValue.u32(4_000_000_000L));
        m.put("i32", GgufValue.i32(-2_000_000_000L));
        m.put("u64", new GgufValue(GgufType.UINT64, null, 1L << 40));
        m.put("i64", new GgufValue(GgufType.INT64, null, -(1L << 40)));
        m.put("f32", GgufValue.f32(3.25f));
        m.put("f64", new GgufValue(GgufType.FLOAT64, null, Math.PI));
        m.put("bool", GgufValue.bool(true));
        m.put("str", GgufValue.string("ünïcödé ▁ 🦙"));
        m.put("general.alignment", GgufValue.u32(64));
        m.put("arr.str", GgufValue.strings(new String[]{"a", "", "▁b"}));
        m.put("arr.f32", GgufValue.floats(new float[]{1, -2.5f}));
        m.put("arr.i16", GgufValue.ints(GgufType.INT16, new long[]{-1, 2, 3}));
        m.put("arr.f64", new GgufValue(GgufType.ARRAY, GgufType.FLOAT64, new double[]{0.5}));
        m.put("arr.bool", new GgufValue(GgufType.ARRAY, GgufType.BOOL, new boolean[]{true, false}));
        m.put("arr.nested", new GgufValue(GgufType.ARRAY, GgufType.ARRAY, new GgufValue[]{GgufValue.ints(GgufType.UINT8, new long[]{1, 2})}));
        Path f = dir.resolve("meta.gguf");
        Tensor src = Tensor.ofF32("x", new float[]{1, 2, 3, 4, 5, 6}, 2, 3);
        GgufWriter.write(f, m, List.of(new dev.minerva.model.OutputTensor("x", DType.F32, new long[]{2, 3},
                (r, row) -> System.arraycopy(new float[]{1, 2, 3, 4, 5, 6}, (int) r * 3, row, 0, 3))), b -> {});
        try (Arena a = Arena.ofConfined()) {
            GgufFile g = GgufFile.open(f, a);
            assertEquals(3, g.version());
            assertEquals(64, g.alignment());
            assertEquals(0, g.dataStart() % 64);
            assertEquals(m.keySet(), g.metadata().keySet());
            for (String k : m.keySet()) assertEquals(m.get(k), g.metadata().get(k), k);
            assertArrayEquals(new long[]{3, 2}, g.tensorInfos().get("x").dims(), "dims are stored innermost first");
            assertArrayEquals(src.shape(), g.tensor("x").shape());
            assertEquals(6f, g.tensor("x").getF32(5));
        }
    }

    @Test void tinyModelQuantisedRoundTripAndConfig(@TempDir Path dir) throws Exception {
        Path f = FuzzModels.write(Converter.Target.GGUF, DType.Q4_0, dir.resolve("t.gguf"));
        LoadedModel m = ModelLoader.open(f, null);
        assertEquals(FuzzModels.TINY, m.config());
        assertEquals(DType.Q4_0, m.weights().get("wcls").dtype());
        assertEquals(DType.Q4_0, m.weights().get("tok_embeddings").dtype());
        assertEquals(DType.F32, m.weights().get("rms_final").dtype());
    }

    /** A gpt2-style (byte-level) vocab embedded in GGUF encodes like the same vocab read from tokenizer.json. */
    @Test void gpt2VocabMatchesTokenizerJson(@TempDir Path dir) throws Exception {
        String[] tokens = new String[260];
        long[] types = new long[260];
        for (int b = 0; b < 256; b++) { tokens[b] = String.valueOf(ByteLevelAlphabet.toChar(b)); types[b] = 1; }
        tokens[256] = "\u0120t"; tokens[257] = "he"; tokens[258] = "\u0120the"; tokens[259] = "<|end_of_text|>";
        types[256] = types[257] = types[258] = 1;
        types[259] = 3;
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put("tokenizer.ggml.model", GgufValue.string("gpt2"));
        m.put("tokenizer.ggml.pre", GgufValue.string("llama-bpe"));
        m.put("tokenizer.ggml.tokens", GgufValue.strings(tokens));
        m.put("tokenizer.ggml.token_type", GgufValue.ints(GgufType.INT32, types));
        m.put("tokenizer.ggml.merges", GgufValue.strings(new String[]{"\u0120 t", "h e", "\u0120t he"}));
        m.put("tokenizer.ggml.eos_token_id", GgufValue.u32(259));
        Path f = dir.resolve("v.gguf");
        GgufWriter.write(f, m, List.of(), b -> {});
        try (Arena a = Arena.ofConfined()) {
            Tokenizer t = GgufTokenizers.read(GgufFile.open(f, a));
            assertInstanceOf(BpeTokenizer.class, t);
            int[] ids = t.encode("the the<|end_of_text|>", false, false);
            assertArrayEquals(new int[]{'t', 257, 258, 259}, ids, java.util.Arrays.toString(ids));
            assertEquals("the the", t.decode(ids));
        }
    }
}
