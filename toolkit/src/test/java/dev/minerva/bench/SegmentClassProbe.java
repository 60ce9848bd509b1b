package dev.minerva.bench;

import dev.minerva.backend.CpuBackend;
import dev.minerva.engine.BatchDecoder;
import dev.minerva.engine.Generator;
import dev.minerva.engine.Sampler;
import dev.minerva.model.Llama;
import dev.minerva.model.ModelConfig;
import dev.minerva.model.ModelLoader;
import dev.minerva.model.ModelPresets;
import dev.minerva.model.RandomWeights;
import dev.minerva.model.Weights;
import dev.minerva.model.convert.Converter;
import dev.minerva.model.convert.SyntheticModel;
import dev.minerva.model.tokenizer.SentencePieceVocab;
import dev.minerva.tensor.DType;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Does running one model slow down another in the same JVM? Times decode of the stories110M shape (random
 * weights written as GGUF, so memory-mapped) at batch 1 and 16, then runs 60 greedy generations of a
 * stories260K-shape model whose weights are {@code native} ({@link RandomWeights}: native memory) or {@code mapped}
 * (a GGUF file), or nothing ({@code none}), then times the large model again. Measured on the 2-core machine before
 * {@code CpuBackend.kernelView}: native made batch 16 take 280 ms a step instead of 92; mapped changed nothing.
 * Args: none | native | mapped, then the dtype of both models (default F32).
 */
public final class SegmentClassProbe {
    public static void main(String[] args) throws Exception {
        String kind = args.length > 0 ? args[0] : "native";
        if (!java.util.List.of("none", "native", "mapped").contains(kind)) {
            throw new IllegalArgumentException("kind: none, native or mapped, got " + kind);
        }
        DType dtype = DType.valueOf(args.length > 1 ? args[1] : "F32");
        Path work = Files.createTempDirectory("segment-class-probe");
        try (CpuBackend backend = new CpuBackend(Runtime.getRuntime().availableProcessors())) {
            Weights big = ModelLoader.open(gguf(work, "stories110m", dtype, 1234), null).weights();
            DecodeBenchmark.Settings s = new DecodeBenchmark.Settings(64, 32, 8, 7);
            BatchDecoder.Factory decoders = BatchDecoder.of(new Llama(big, backend));
            time("before", decoders, big, s);
            if (!kind.equals("none")) {
                ModelConfig small = ModelPresets.get("stories260k");
                Weights w = switch (kind) {
                    case "native" -> RandomWeights.create(small, dtype, 1, Arena.ofAuto());
                    default -> ModelLoader.open(gguf(work, "stories260k", dtype, 5), null).weights();   // mapped
                };
                Generator g = new Generator(new Llama(w, backend), null);
                for (int i = 0; i < 60; i++) g.generate(new int[]{1}, 200, Sampler.greedy(), null);
                System.out.println("ran 60 generations of a stories260K-shape model with " + kind + " weights");
            }
            time("after", decoders, big, s);
        }
    }

    private static void time(String when, BatchDecoder.Factory decoders, Weights w, DecodeBenchmark.Settings s) {
        for (int b : new int[]{1, 16}) {
            DecodeBenchmark.Result r = DecodeBenchmark.measure(decoders, w, s, b, null);
            System.out.printf("%-6s batch %2d: decode %6.1f tokens/s, %6.1f ms a step; prefill %6.1f tokens/s%n", when, b,
                    r.decodeTokensPerSecond(), r.tpotMs(), r.prefillTokensPerSecond());
        }
    }

    private static Path gguf(Path dir, String preset, DType dtype, long seed) throws java.io.IOException {
        ModelConfig c = ModelPresets.get(preset);
        Path p = dir.resolve(preset + ".gguf");
        Converter.write(Converter.Target.GGUF, p, preset, c, SyntheticModel.tensors(c, dtype, seed), SentencePieceVocab.synthetic(c.vocabSize()), b -> { });
        p.toFile().deleteOnExit();
        return p;
    }
}
