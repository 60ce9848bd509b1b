package dev.minerva.model.convert;

import dev.minerva.backend.CpuBackend;
import dev.minerva.cli.Main;
import dev.minerva.engine.Generator;
import dev.minerva.engine.Sampler;
import dev.minerva.model.Llama;
import dev.minerva.model.LoadedModel;
import dev.minerva.model.ModelConfig;
import dev.minerva.model.ModelLoader;
import dev.minerva.model.ModelPresets;
import dev.minerva.tensor.DType;
import dev.minerva.tensor.Tensor;
import dev.minerva.tensor.TensorCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** {@code minerva synth} at small preset shapes: exact config, same values in every format, finite generation. */
class SyntheticModelTest {

    @Test void synthWritesPresetShapeWithSameValuesInBothFormats(@TempDir Path dir) throws Exception {
        Path st = dir.resolve("st"), gg = dir.resolve("gg");
        assertEquals(0, Main.commandLine().execute("synth", "--like", "stories260k", "--dtype", "f32", "--format", "safetensors", "--out", st.toString(), "--seed", "7"));
        assertEquals(0, Main.commandLine().execute("synth", "--like", "stories260k", "--dtype", "f32", "--format", "gguf", "--out", gg.toString(), "--seed", "7"));
        Path ggFile = gg.resolve("stories260k-f32.gguf");
        assertTrue(Files.isRegularFile(ggFile));
        LoadedModel a = ModelLoader.open(st, null), b = ModelLoader.open(ggFile, null);
        ModelConfig want = ModelPresets.get("stories260k");
        for (LoadedModel m : new LoadedModel[]{a, b}) {
            assertEquals(want.dim(), m.config().dim());
            assertEquals(want.hiddenDim(), m.config().hiddenDim());
            assertEquals(want.nKvHeads(), m.config().nKvHeads());
            assertEquals(want.vocabSize(), m.tokenizer().vocabSize());
        }
        ConvertRoundTripTest.assertIdentical(a.weights(), b.weights());
        float[] wq = TensorCodec.toFloats(a.weights().layer(0, "wq"));
        double sum2 = 0;
        for (float v : wq) sum2 += v * v;
        assertEquals(0.02, Math.sqrt(sum2 / wq.length), 0.002, "std of wq");
        for (float v : TensorCodec.toFloats(a.weights().layer(3, "rms_ffn"))) assertEquals(1f, v);
        try (CpuBackend backend = new CpuBackend()) {
            Generator.Result r = new Generator(new Llama(b.weights(), backend), b.tokenizer()).generate("hello", 8, Sampler.greedy(), s -> {});
            assertEquals(8, r.tokens().length);
        }
    }

    @Test void seedChangesValuesAndQuantisedSynthLoads(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("a.gguf"), b = dir.resolve("b.gguf"), q = dir.resolve("q.gguf");
        assertEquals(0, Main.commandLine().execute("synth", "--like", "stories260k", "--dtype", "f32", "--out", a.toString(), "--seed", "1"));
        assertEquals(0, Main.commandLine().execute("synth", "--like", "stories260k", "--dtype", "f32", "--out", b.toString(), "--seed", "2"));
        assertEquals(0, Main.commandLine().execute("synth", "--like", "stories260k", "--dtype", "q4_0", "--out", q.toString(), "--seed", "1"));
        Tensor x = ModelLoader.open(a, null).weights().layer(1, "wv"), y = ModelLoader.open(b, null).weights().layer(1, "wv");
        assertFalse(java.util.Arrays.equals(TensorCodec.toFloats(x), TensorCodec.toFloats(y)));
        LoadedModel m = ModelLoader.open(q, null);
        assertEquals(DType.Q4_0, m.weights().layer(1, "wv").dtype());
        assertEquals(DType.F16, m.weights().layer(1, "w2").dtype(), "172-wide rows fall back to F16");
        assertEquals(DType.F32, m.weights().layer(1, "rms_att").dtype());
    }

    @Test void convertCommandWritesFolder(@TempDir Path dir) throws Exception {
        Path bin = dev.minerva.TestModels.require("stories260K/stories260K.bin"), tok = dev.minerva.TestModels.require("stories260K/tok512.bin");
        Path out = dir.resolve("conv");
        assertEquals(0, Main.commandLine().execute("convert", "--model", bin.toString(), "--tokenizer", tok.toString(), "--to", "safetensors",
                "--dtype", "bf16", "--out", out.toString()));
        for (String f : new String[]{"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"}) assertTrue(Files.isRegularFile(out.resolve(f)), f);
        assertEquals(DType.BF16, ModelLoader.open(out, null).weights().layer(0, "wq").dtype());
        assertNotEquals(0, Main.commandLine().execute("convert", "--model", bin.toString(), "--tokenizer", tok.toString(), "--to", "gguf",
                "--dtype", "q3_k", "--out", dir.resolve("x.gguf").toString()));
        assertFalse(Files.exists(dir.resolve("x.gguf")));
    }
}
