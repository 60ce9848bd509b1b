package dev.minerva.cli;

import dev.minerva.model.convert.Converter;
import dev.minerva.tensor.DType;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code minerva convert}: any readable model → a safetensors folder or a GGUF file. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Converts a model (llama2.c .bin + tokenizer.bin, a safetensors folder, or a .gguf) to a safetensors "
                + "folder (config.json, model.safetensors, tokenizer.json) or a single .gguf file.",
                "Norms stay F32; with q8_0/q4_0, matrices whose rows are not a multiple of 32 are stored as F16."})
public final class ConvertCommand implements Callable<Integer> {
    /** Output formats. */
    public enum Format { safetensors, gguf }

    @Option(names = "--model", required = true, description = "model file or folder") Path model;
    @Option(names = "--tokenizer", description = "tokenizer.bin or tokenizer.json (needed for llama2.c checkpoints)") Path tokenizer;
    @Option(names = "--to", required = true, description = "safetensors | gguf") Format to;
    @Option(names = "--dtype", defaultValue = "f32", description = "f32 | f16 | bf16 | q8_0 | q4_0 (default: ${DEFAULT-VALUE})") String dtype;
    @Option(names = "--out", required = true, description = "output folder (safetensors) or .gguf file") Path out;

    @Override public Integer call() throws Exception {
        DType d = parseDType(dtype);
        if (to == Format.safetensors && d == DType.Q4_0 || to == Format.safetensors && d == DType.Q8_0) {
            System.err.println("note: quantised safetensors store blocks as U8 with a __metadata__ note; only Minerva reads them");
        }
        long t0 = System.nanoTime();
        Converter.Result r;
        try (ProgressBar pb = progress("convert")) {
            r = Converter.convert(model, tokenizer, to == Format.gguf ? Converter.Target.GGUF : Converter.Target.SAFETENSORS, d, out, pb::stepBy);
        }
        System.out.printf("wrote %s (%.1f MB of tensors%s) in %.1f s%n", r.out(), r.bytes() / 1e6,
                r.tokenizerWritten() ? ", with tokenizer" : ", no tokenizer carried over", (System.nanoTime() - t0) / 1e9);
        return 0;
    }

    static DType parseDType(String s) {
        try {
            return DType.valueOf(s.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(new ConvertCommand()),
                    "unknown --dtype '" + s + "' (f32, f16, bf16, q8_0, q4_0)");
        }
    }

    static ProgressBar progress(String task) {
        return new ProgressBarBuilder().setTaskName(task).setUnit("MB", 1 << 20).setInitialMax(-1)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).continuousUpdate().build();
    }
}
