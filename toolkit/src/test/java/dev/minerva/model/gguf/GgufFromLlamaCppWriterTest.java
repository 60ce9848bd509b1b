package dev.minerva.model.gguf;

import dev.minerva.model.LoadedModel;
import dev.minerva.model.ModelConfig;
import dev.minerva.model.ModelLoader;
import dev.minerva.tensor.DType;
import dev.minerva.tensor.Tensor;
import dev.minerva.tensor.TensorCodec;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Reads {@code llamacpp-writer-tiny.gguf}, written by llama.cpp's own Python {@code gguf} writer and
 * quantisers (toolkit/scripts/crosscheck_formats.py --fixture): config, names, dims, the embedded
 * vocab, and Q8_0/Q4_0/F16 bytes identical to Minerva's codecs applied to the float32 reference copies.
 */
class GgufFromLlamaCppWriterTest {
    static final Path FIXTURE = Path.of(System.getProperty("minerva.root", ".")).resolve("toolkit/src/test/resources/gguf/llamacpp-writer-tiny.gguf");

    @Test void loadsAsAModel() throws Exception {
        LoadedModel m = ModelLoader.open(FIXTURE, null);
        assertEquals(new ModelConfig(32, 64, 1, 4, 2, 260, 64, 10000, 1e-5, false, null), m.config());
        assertEquals(DType.Q8_0, m.weights().layer(0, "wq").dtype());
        assertEquals(DType.Q4_0, m.weights().layer(0, "wk").dtype());
        assertEquals(DType.F16, m.weights().layer(0, "wv").dtype());
        assertEquals(DType.F32, m.weights().layer(0, "w2").dtype());
        assertEquals(1, m.tokenizer().bos());
        assertEquals(2, m.tokenizer().eos());
        // the vocab has '▁a' but neither '▁' nor 'a', so no merge can reach it: every code point falls back to bytes
        int s0 = 3 + 0xE2, s1 = 3 + 0x96, s2 = 3 + 0x81, a = 3 + 'a';
        assertArrayEquals(new int[]{1, s0, s1, s2, a, s0, s1, s2, a}, m.tokenizer().encode("a a", true, false));
        assertArrayEquals(new int[]{s0, s1, s2, a, 3 + 0xC3, 3 + 0xA9}, m.tokenizer().encode("aé", false, false));
        // byte pieces decode raw, so the dummy prefix spelled in bytes stays '▁' (as in llama.cpp and HF's decoder order)
        assertEquals("\u2581aé", m.tokenizer().decode(m.tokenizer().encode("aé", true, false)));
    }

    @Test void quantisedBytesMatchOurCodecs() throws Exception {
        try (Arena a = Arena.ofConfined()) {
            GgufFile g = GgufFile.open(FIXTURE, a);
            int checked = 0;
            for (String name : g.tensorInfos().keySet()) {
                if (!name.startsWith("ref.")) continue;
                Tensor ref = g.tensor(name), theirs = g.tensor(name.substring(4));
                assertArrayEquals(ref.shape(), theirs.shape(), name);
                Tensor ours = TensorCodec.convert(ref, theirs.dtype(), a);
                byte[] x = ours.data().toArray(ValueLayout.JAVA_BYTE), y = theirs.data().toArray(ValueLayout.JAVA_BYTE);
                for (int i = 0; i < x.length; i++) {
                    if (x[i] != y[i]) fail(theirs.dtype() + " " + name.substring(4) + ": byte " + i + " (block " + i / theirs.dtype().blockBytes()
                            + ") ours " + x[i] + " llama.cpp " + y[i]);
                }
                checked++;
            }
            assertEquals(6, checked);
        }
    }
}
