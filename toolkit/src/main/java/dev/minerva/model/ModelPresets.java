package dev.minerva.model;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Exact configurations of real models, by short name. Values are those of each model's published
 * config.json (or llama2.c header for the TinyStories models).
 */
public final class ModelPresets {
    private ModelPresets() {}

    private static final Map<String, ModelConfig> PRESETS = new LinkedHashMap<>();

    static {
        // karpathy/tinyllamas llama2.c headers (tied classifier)
        PRESETS.put("stories260k", new ModelConfig(64, 172, 5, 8, 4, 512, 512, 10000, 1e-5, true, null));
        PRESETS.put("stories15m", new ModelConfig(288, 768, 6, 6, 6, 32000, 256, 10000, 1e-5, true, null));
        PRESETS.put("stories110m", new ModelConfig(768, 2048, 12, 12, 12, 32000, 1024, 10000, 1e-5, true, null));
        // TinyLlama/TinyLlama-1.1B-Chat-v1.0 config.json
        PRESETS.put("tinyllama-1.1b", new ModelConfig(2048, 5632, 22, 32, 4, 32000, 2048, 10000, 1e-5, false, null));
        // meta-llama/Llama-2-7b-hf config.json
        PRESETS.put("llama-2-7b", new ModelConfig(4096, 11008, 32, 32, 32, 32000, 4096, 10000, 1e-5, false, null));
        // meta-llama/Meta-Llama-3-8B config.json
        PRESETS.put("llama-3-8b", new ModelConfig(4096, 14336, 32, 32, 8, 128256, 8192, 500000, 1e-5, false, null));
        // meta-llama/Llama-3.2-1B config.json (llama3 rope scaling, tied embeddings)
        PRESETS.put("llama-3.2-1b", new ModelConfig(2048, 8192, 16, 32, 8, 128256, 131072, 500000, 1e-5, true,
                new ModelConfig.RopeScaling(32.0, 1.0, 4.0, 8192)));
        // mistralai/Mistral-7B-v0.1 config.json (sliding window 4096 not modelled here)
        PRESETS.put("mistral-7b", new ModelConfig(4096, 14336, 32, 32, 8, 32000, 32768, 10000, 1e-5, false, null));
    }

    /** Known preset names, in catalog order. */
    public static Iterable<String> names() { return PRESETS.keySet(); }

    /**
     * The preset called {@code name} (case-insensitive).
     *
     * @throws IllegalArgumentException naming the known presets if there is none
     */
    public static ModelConfig get(String name) {
        ModelConfig c = PRESETS.get(name.toLowerCase(java.util.Locale.ROOT));
        if (c == null) throw new IllegalArgumentException("unknown model '" + name + "'; known: " + String.join(", ", PRESETS.keySet()));
        return c;
    }
}
