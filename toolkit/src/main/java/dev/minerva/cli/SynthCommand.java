package dev.minerva.cli;

import dev.minerva.model.ModelConfig;
import dev.minerva.model.ModelPresets;
import dev.minerva.model.OutputTensor;
import dev.minerva.model.convert.Converter;
import dev.minerva.model.convert.SyntheticModel;
import dev.minerva.model.tokenizer.SentencePieceVocab;
import dev.minerva.record.Locations;
import dev.minerva.tensor.DType;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code minerva synth}: random weights at a real model's exact shape, streamed to disk. */
@Command(name = "synth", mixinStandardHelpOptions = true,
        description = {"Writes a model with random weights (fixed seed, N(0, 0.02), norms = 1) at a preset's exact configuration, "
                + "for speed studies: throughput depends on shapes, not values.",
                "Tokenizer: the Llama 2 32k vocabulary when the preset's vocab is 32000 and it is available, else a synthetic "
                        + "byte-fallback vocabulary of the preset's size."})
public final class SynthCommand implements Callable<Integer> {
    @Option(names = "--like", required = true, description = "preset name: ${COMPLETION-CANDIDATES}", completionCandidates = Presets.class) String like;
    @Option(names = "--dtype", defaultValue = "f32", description = "f32 | f16 | bf16 | q8_0 | q4_0 (default: ${DEFAULT-VALUE})") String dtype;
    @Option(names = "--format", defaultValue = "gguf", description = "safetensors | gguf (default: ${DEFAULT-VALUE})") ConvertCommand.Format format;
    @Option(names = "--out", required = true, description = "output folder (safetensors: the model folder; gguf: a folder for <like>-<dtype>.gguf, or a .gguf path)") Path out;
    @Option(names = "--seed", defaultValue = "42", description = "random seed (default: ${DEFAULT-VALUE})") long seed;
    @Option(names = "--tokenizer", description = "llama2.c tokenizer.bin to embed (default: the shared Llama 2 tokenizer for 32k vocabularies)") Path tokenizer;

    /** Preset names for help and completion. */
    static final class Presets implements Iterable<String> {
        @Override public java.util.Iterator<String> iterator() { return ModelPresets.names().iterator(); }
    }

    @Override public Integer call() throws Exception {
        ModelConfig cfg = ModelPresets.get(like);
        DType d = ConvertCommand.parseDType(dtype);
        SentencePieceVocab vocab = vocab(cfg);
        List<OutputTensor> tensors = SyntheticModel.tensors(cfg, d, seed);
        long bytes = tensors.stream().mapToLong(OutputTensor::byteSize).sum();
        Path target = out;
        if (format == ConvertCommand.Format.gguf && !out.toString().endsWith(".gguf")) {
            target = out.resolve(like.toLowerCase(java.util.Locale.ROOT) + "-" + d.name().toLowerCase(java.util.Locale.ROOT) + ".gguf");
        }
        System.out.printf("synth %s: %,d parameters, %s, %.2f GB of tensors → %s%n", like, cfg.parameterCount(), d, bytes / 1e9, target);
        long t0 = System.nanoTime();
        try (ProgressBar pb = new ProgressBarBuilder().setTaskName("synth " + like).setUnit("MB", 1 << 20).setInitialMax(bytes)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).continuousUpdate().build()) {
            Converter.write(format == ConvertCommand.Format.gguf ? Converter.Target.GGUF : Converter.Target.SAFETENSORS, target,
                    like + "-synthetic", cfg, tensors, vocab, pb::stepBy);
        }
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf("wrote %s in %.1f s (%.0f MB/s); tokenizer: %s%n", target, s, bytes / 1e6 / s, tokenizerSource);
        return 0;
    }

    private String tokenizerSource;

    private SentencePieceVocab vocab(ModelConfig cfg) throws java.io.IOException {
        Path tok = tokenizer;
        if (tok == null && cfg.vocabSize() == 32000) {
            Path shared = Locations.root().resolve("../shared/models/llama2-tokenizer/tokenizer.bin").normalize();
            if (Files.isRegularFile(shared)) tok = shared;
        }
        if (tok != null) {
            SentencePieceVocab v = SentencePieceVocab.readLlama2c(tok);
            if (v.size() != cfg.vocabSize()) throw new IllegalArgumentException(tok + " has " + v.size() + " tokens, " + like + " needs " + cfg.vocabSize());
            tokenizerSource = tok.toString();
            return v;
        }
        tokenizerSource = "synthetic byte-fallback vocabulary of " + cfg.vocabSize();
        return SentencePieceVocab.synthetic(cfg.vocabSize());
    }
}
