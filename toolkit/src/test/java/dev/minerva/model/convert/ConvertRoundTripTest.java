package dev.minerva.model.convert;

import dev.minerva.model.LoadedModel;
import dev.minerva.model.ModelLoader;
import dev.minerva.model.ModelConfig;
import dev.minerva.TestModels;
import dev.minerva.model.Weights;
import dev.minerva.model.safetensors.SafetensorsFile;
import dev.minerva.model.tokenizer.TokenizerJsonTest;
import dev.minerva.tensor.DType;
import dev.minerva.tensor.TensorCodec;
import dev.minerva.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/** stories260K through llama2.c, safetensors and GGUF: the same tensors, config and tokens. */
class ConvertRoundTripTest {

    @Test void safetensorsF32IsBitIdentical(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("st");
        Converter.convert(TestModels.require("stories260K/stories260K.bin"), TestModels.require("stories260K/tok512.bin"), Converter.Target.SAFETENSORS, DType.F32, out, b -> {});
        {
            LoadedModel ref = ModelLoader.open(TestModels.require("stories260K/stories260K.bin"), TestModels.require("stories260K/tok512.bin"));
            LoadedModel st = ModelLoader.open(out, null);
            assertEquals("safetensors", st.format());
            assertSameConfig(ref.config(), st.config());
            assertIdentical(ref.weights(), st.weights());
            assertSameTokens(ref, st);
        }
    }

    /** The file really stores HF's rotate-half row order: check it against HF's permute written as index algebra. */
    @Test void safetensorsStoresHfRotaryOrder(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("st");
        Converter.convert(TestModels.require("stories260K/stories260K.bin"), TestModels.require("stories260K/tok512.bin"), Converter.Target.SAFETENSORS, DType.F32, out, b -> {});
        try (Arena a = Arena.ofConfined()) {
            LoadedModel ref = ModelLoader.open(TestModels.require("stories260K/stories260K.bin"), TestModels.require("stories260K/tok512.bin"));
            SafetensorsFile f = SafetensorsFile.open(out.resolve("model.safetensors"), a);
            ModelConfig c = ref.config();
            int hs = c.headSize();
            for (String[] p : new String[][]{{"wq", "q_proj"}, {"wk", "k_proj"}}) {
                Tensor hf = f.tensor("model.layers.2.self_attn." + p[1] + ".weight");
                Tensor meta = ref.weights().layer(2, p[0]);
                // HF: w.view(heads, hs/2, 2, dim).transpose(1, 2): HF (h, a, b) = Meta (h, b, a)
                for (long h = 0; h < hf.rows() / hs; h++)
                    for (int x = 0; x < 2; x++)
                        for (int y = 0; y < hs / 2; y++) {
                            long hfRow = h * hs + (long) x * (hs / 2) + y, metaRow = h * hs + 2L * y + x;
                            assertArrayEquals(TensorCodec.row(meta, metaRow), TensorCodec.row(hf, hfRow), p[0] + " HF row " + hfRow);
                        }
                assertFalse(Arrays.equals(TensorCodec.row(meta, 1), TensorCodec.row(hf, 1)), "rows 1 must differ after permutation");
            }
        }
    }

    @Test void ggufF32IsBitIdentical(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("m.gguf");
        Converter.convert(TestModels.require("stories260K/stories260K.bin"), TestModels.require("stories260K/tok512.bin"), Converter.Target.GGUF, DType.F32, out, b -> {});
        {
            LoadedModel ref = ModelLoader.open(TestModels.require("stories260K/stories260K.bin"), TestModels.require("stories260K/tok512.bin"));
            LoadedModel gg = ModelLoader.open(out, null);
            assertEquals("gguf", gg.format());
            assertSameConfig(ref.config(), gg.config());
            assertIdentical(ref.weights(), gg.weights());
            assertSameTokens(ref, gg);
        }
    }

    @Test void ggufToSafetensorsToGgufKeepsTensors(@TempDir Path dir) throws Exception {
        Path g1 = dir.resolve("a.gguf"), st = dir.resolve("st"), g2 = dir.resolve("b.gguf");
        Converter.convert(TestModels.require("stories260K/stories260K.bin"), TestModels.require("stories260K/tok512.bin"), Converter.Target.GGUF, DType.F16, g1, b -> {});
        Converter.convert(g1, null, Converter.Target.SAFETENSORS, DType.F16, st, b -> {});
        Converter.convert(st, TestModels.require("stories260K/tok512.bin"), Converter.Target.GGUF, DType.F16, g2, b -> {});
        {
            LoadedModel a = ModelLoader.open(g1, null);
            LoadedModel b = ModelLoader.open(g2, null);
            assertIdentical(a.weights(), b.weights());
        }
    }

    @Test void quantisedGgufWithinBlockErrorBounds(@TempDir Path dir) throws Exception {
        for (DType q : new DType[]{DType.Q8_0, DType.Q4_0}) {
            Path out = dir.resolve(q + ".gguf");
            Converter.convert(TestModels.require("stories260K/stories260K.bin"), TestModels.require("stories260K/tok512.bin"), Converter.Target.GGUF, q, out, b -> {});
            {
            LoadedModel ref = ModelLoader.open(TestModels.require("stories260K/stories260K.bin"), TestModels.require("stories260K/tok512.bin"));
            LoadedModel gg = ModelLoader.open(out, null);
                double sumErr2 = 0, sumRef2 = 0;
                for (Tensor r : ref.weights().tensors().values()) {
                    Tensor t = gg.weights().get(r.name());
                    assertEquals(ConversionPlan.dtypeFor(r.name(), r.shape(), q), t.dtype(), r.name());
                    float[] x = TensorCodec.toFloats(r), y = TensorCodec.toFloats(t);
                    if (t.dtype() == DType.F32) { assertArrayEquals(x, y, r.name()); continue; }
                    int block = t.dtype().isQuantized() ? 32 : 1;
                    for (int b0 = 0; b0 < x.length; b0 += block) {
                        float amax = 0;
                        for (int i = b0; i < b0 + block; i++) amax = Math.max(amax, Math.abs(x[i]));
                        // Q8_0: rounding d/2 (d = amax/127) plus the f16-rounded scale, |q| ≤ 127 times 2^-11 d;
                        // Q4_0: ≤ d (the clamped top value, d = amax/8) plus 8 · 2^-11 d; F16: relative 2^-11
                        double bound = switch (t.dtype()) {
                            case Q8_0 -> amax / 127.0 * (0.5 + 127 * Math.pow(2, -11)) * 1.001 + 1e-7;
                            case Q4_0 -> amax / 8.0 * (1 + 8 * Math.pow(2, -11)) * 1.001 + 1e-7;
                            default -> amax * Math.pow(2, -11) * 1.01 + 1e-7;
                        };
                        for (int i = b0; i < b0 + block; i++) {
                            double e = Math.abs(x[i] - y[i]);
                            if (e > bound) fail(q + " " + r.name() + "[" + i + "]: " + x[i] + " -> " + y[i] + ", error " + e + " > bound " + bound);
                            sumErr2 += e * e;
                            sumRef2 += (double) x[i] * x[i];
                        }
                    }
                }
                double rel = Math.sqrt(sumErr2 / sumRef2);
                System.out.printf("stories260K %s GGUF: relative RMS error %.4f%n", q, rel);
                assertTrue(rel < (q == DType.Q8_0 ? 0.01 : 0.15), q + " relative RMS error " + rel);
            }
        }
    }

    static void assertSameConfig(ModelConfig a, ModelConfig b) {
        assertEquals(a.withSeqLen(1), new ModelConfig(b.dim(), b.hiddenDim(), b.nLayers(), b.nHeads(), b.nKvHeads(), b.vocabSize(), 1,
                b.ropeTheta(), a.rmsEps(), b.tiedEmbeddings(), b.ropeScaling()));
        assertEquals(a.seqLen(), b.seqLen());
        assertEquals(a.rmsEps(), b.rmsEps(), 1e-12 + a.rmsEps() * 1e-6);
    }

    static void assertIdentical(Weights a, Weights b) {
        assertEquals(a.tensors().keySet(), b.tensors().keySet());
        for (Tensor x : a.tensors().values()) {
            Tensor y = b.get(x.name());
            assertArrayEquals(x.shape(), y.shape(), x.name());
            assertEquals(x.dtype(), y.dtype(), x.name());
            float[] fx = TensorCodec.toFloats(x), fy = TensorCodec.toFloats(y);
            for (int i = 0; i < fx.length; i++) {
                if (Float.floatToRawIntBits(fx[i]) != Float.floatToRawIntBits(fy[i])) {
                    fail("tensor " + x.name() + " differs at index " + i + ": " + fx[i] + " vs " + fy[i]);
                }
            }
        }
    }

    static void assertSameTokens(LoadedModel a, LoadedModel b) {
        assertEquals(a.tokenizer().bos(), b.tokenizer().bos());
        assertEquals(a.tokenizer().eos(), b.tokenizer().eos());
        for (String s : TokenizerJsonTest.TRICKY) {
            int[] x = a.tokenizer().encode(s, true, false), y = b.tokenizer().encode(s, true, false);
            assertArrayEquals(x, y, "'" + s + "': " + Arrays.toString(x) + " vs " + Arrays.toString(y));
        }
    }
}
