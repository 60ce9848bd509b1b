package dev.minerva.cli;

import dev.minerva.model.LoadedModel;
import dev.minerva.model.ModelLoader;
import dev.minerva.model.PrecisionPlan;
import dev.minerva.model.Weights;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;

/** Options shared by commands that open a model: file, tokenizer, precision, threads. */
public final class ModelOptions {
    @Option(names = "--model", description = "a llama2.c .bin (with --tokenizer), a Hugging Face folder (config.json + safetensors) or a .gguf file")
    Path model;

    @Option(names = "--tokenizer", description = "tokenizer file (default: tokenizer.bin beside the model)")
    Path tokenizer;

    @Option(names = "--plan", description = "precision plan JSON: {\"default\": \"Q8_0\", \"tensors\": {name: dtype}}")
    Path plan;

    @Option(names = "--dtype", description = "store every weight matrix as this dtype: f32, f16, bf16, q8_0, q4_0")
    String dtype;

    @Option(names = "--threads", description = "CPU threads (default: all processors)")
    Integer threads;

    @Option(names = "--backend", description = "auto (GPU if one answers, else CPU), cpu or cuda (default: $MINERVA_BACKEND or auto)")
    String backend;

    int threads() { return threads == null ? Runtime.getRuntime().availableProcessors() : threads; }

    /** The compute backend from --backend, else $MINERVA_BACKEND, else auto (one notice line on stderr when auto falls back). */
    dev.minerva.backend.Backend backend() {
        String choice = backend != null ? backend : System.getenv("MINERVA_BACKEND");
        return dev.minerva.backend.Backends.select(choice, threads(), System.err::println);
    }

    /** The precision plan from --plan or --dtype, or null. */
    PrecisionPlan precisionPlan() throws IOException {
        if (plan != null && dtype != null) throw new IllegalArgumentException("give --plan or --dtype, not both");
        if (plan != null) return PrecisionPlan.read(plan);
        if (dtype != null) return PrecisionPlan.uniform(PrecisionPlan.parseDType(dtype));
        return null;
    }

    LoadedModel open() throws IOException {
        if (model == null) throw new IllegalArgumentException("--model is required");
        return ModelLoader.open(model, tokenizer);
    }

    /** The model's weights under the precision plan, if any (converted tensors live in {@code arena}). */
    Weights planned(LoadedModel m, Arena arena) throws IOException {
        PrecisionPlan p = precisionPlan();
        return p == null ? m.weights() : p.apply(m.weights(), arena);
    }
}
