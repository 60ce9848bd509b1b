package dev.minerva.model.convert;

import dev.minerva.TestModels;
import dev.minerva.backend.CpuBackend;
import dev.minerva.engine.Generator;
import dev.minerva.engine.Sampler;
import dev.minerva.model.Llama;
import dev.minerva.model.LoadedModel;
import dev.minerva.model.ModelLoader;
import dev.minerva.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/** stories260K loaded from llama2.c, safetensors and GGUF (F32) generates the same greedy tokens and text. */
class FormatsGreedyTest {

    @Test void sameGreedyOutputInEveryFormat(@TempDir Path dir) throws Exception {
        Path bin = TestModels.require("stories260K/stories260K.bin"), tok = TestModels.require("stories260K/tok512.bin");
        Path st = dir.resolve("st"), gg = dir.resolve("m.gguf"), q8 = dir.resolve("q8.gguf");
        Converter.convert(bin, tok, Converter.Target.SAFETENSORS, DType.F32, st, b -> {});
        Converter.convert(bin, tok, Converter.Target.GGUF, DType.F32, gg, b -> {});
        Converter.convert(bin, tok, Converter.Target.GGUF, DType.Q8_0, q8, b -> {});
        try (CpuBackend backend = new CpuBackend()) {
            Generator.Result ref = run(ModelLoader.open(bin, tok), backend, "Once upon a time");
            for (Path p : new Path[]{st, gg}) {
                Generator.Result r = run(ModelLoader.open(p, null), backend, "Once upon a time");
                assertArrayEquals(ref.promptTokens(), r.promptTokens(), p + " prompt tokens");
                assertArrayEquals(ref.tokens(), r.tokens(), p + ": " + Arrays.toString(ref.tokens()) + " vs " + Arrays.toString(r.tokens()));
                assertEquals(ref.text(), r.text(), p + " text");
            }
            Generator.Result r8 = run(ModelLoader.open(q8, null), backend, "Once upon a time");
            int same = 0;
            while (same < Math.min(ref.tokens().length, r8.tokens().length) && ref.tokens()[same] == r8.tokens()[same]) same++;
            System.out.println("stories260K Q8_0 GGUF: first " + same + " of " + ref.tokens().length + " greedy tokens equal to F32");
            assertTrue(same >= 8, "Q8_0 diverges from F32 after " + same + " tokens");
        }
    }

    private static Generator.Result run(LoadedModel m, CpuBackend backend, String prompt) {
        return new Generator(new Llama(m.weights(), backend), m.tokenizer()).generate(prompt, 64, Sampler.greedy(), s -> {});
    }
}
