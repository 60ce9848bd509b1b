package dev.minerva.model.safetensors;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.minerva.model.AtomicFile;
import dev.minerva.model.ModelConfig;
import dev.minerva.model.ModelFormatException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Hugging Face Llama {@code config.json} ⇄ {@link ModelConfig}: {@code hidden_size},
 * {@code intermediate_size}, {@code num_hidden_layers}, {@code num_attention_heads},
 * {@code num_key_value_heads}, {@code vocab_size}, {@code max_position_embeddings}, {@code rope_theta},
 * {@code rms_norm_eps}, {@code tie_word_embeddings}, {@code rope_scaling} (llama3).
 */
public final class ConfigJson {
    private ConfigJson() {}

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Reads {@code file}.
     *
     * @throws ModelFormatException naming the file and key if JSON is malformed, a key is missing or a value invalid
     */
    public static ModelConfig read(Path file) throws IOException {
        JsonNode c;
        try {
            c = JSON.readTree(file.toFile());
        } catch (JacksonException e) {
            throw new ModelFormatException(file, "JSON", e.getLocation() == null ? -1 : e.getLocation().getByteOffset(),
                    "malformed: " + e.getOriginalMessage(), e);
        }
        if (c == null || !c.isObject()) throw new ModelFormatException(file, "JSON", 0, "is not a JSON object");
        String mt = c.path("model_type").asText("llama");
        if (!mt.equals("llama") && !mt.equals("mistral")) {
            throw new ModelFormatException(file, "model_type", -1, "is '" + mt + "'; Minerva runs Llama-family models (llama, mistral)");
        }
        int dim = intKey(file, c, "hidden_size");
        int heads = intKey(file, c, "num_attention_heads");
        ModelConfig.RopeScaling scaling = null;
        JsonNode rs = c.path("rope_scaling");
        if (rs.isObject()) {
            String type = rs.path("rope_type").asText(rs.path("type").asText(""));
            if (!type.equals("llama3")) throw new ModelFormatException(file, "rope_scaling.rope_type", -1, "'" + type + "' is not supported (only llama3)");
            scaling = new ModelConfig.RopeScaling(doubleKey(file, rs, "factor", Double.NaN), doubleKey(file, rs, "low_freq_factor", Double.NaN),
                    doubleKey(file, rs, "high_freq_factor", Double.NaN), intKey(file, rs, "original_max_position_embeddings"));
        }
        if (c.has("head_dim") && c.get("head_dim").asInt() != dim / heads) {
            throw new ModelFormatException(file, "head_dim", -1, c.get("head_dim") + " differs from hidden_size / num_attention_heads = " + dim / heads);
        }
        try {
            return new ModelConfig(dim, intKey(file, c, "intermediate_size"), intKey(file, c, "num_hidden_layers"), heads,
                    c.has("num_key_value_heads") && !c.get("num_key_value_heads").isNull() ? intKey(file, c, "num_key_value_heads") : heads,
                    intKey(file, c, "vocab_size"), intKey(file, c, "max_position_embeddings"),
                    doubleKey(file, c, "rope_theta", 10000.0), doubleKey(file, c, "rms_norm_eps", 1e-6),
                    c.path("tie_word_embeddings").asBoolean(false), scaling);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file, "config", -1, e.getMessage(), e);
        }
    }

    private static int intKey(Path file, JsonNode c, String key) throws ModelFormatException {
        JsonNode v = c.get(key);
        if (v == null || v.isNull()) throw new ModelFormatException(file, key, -1, "missing");
        if (!v.isIntegralNumber() || !v.canConvertToInt()) throw new ModelFormatException(file, key, -1, "is " + v + ", not a 32-bit integer");
        return v.asInt();
    }

    private static double doubleKey(Path file, JsonNode c, String key, double dflt) throws ModelFormatException {
        JsonNode v = c.get(key);
        if (v == null || v.isNull()) {
            if (Double.isNaN(dflt)) throw new ModelFormatException(file, key, -1, "missing");
            return dflt;
        }
        if (!v.isNumber()) throw new ModelFormatException(file, key, -1, "is " + v + ", not a number");
        return v.asDouble();
    }

    /** Writes {@code config} as a {@code LlamaForCausalLM} config.json (atomically). */
    public static void write(ModelConfig config, int bos, int eos, String torchDtype, Path file) throws IOException {
        ObjectNode c = JSON.createObjectNode();
        c.putArray("architectures").add("LlamaForCausalLM");
        c.put("model_type", "llama");
        c.put("hidden_size", config.dim());
        c.put("intermediate_size", config.hiddenDim());
        c.put("num_hidden_layers", config.nLayers());
        c.put("num_attention_heads", config.nHeads());
        c.put("num_key_value_heads", config.nKvHeads());
        c.put("head_dim", config.headSize());
        c.put("vocab_size", config.vocabSize());
        c.put("max_position_embeddings", config.seqLen());
        c.put("rope_theta", config.ropeTheta());
        c.put("rms_norm_eps", config.rmsEps());
        c.put("tie_word_embeddings", config.tiedEmbeddings());
        c.put("hidden_act", "silu");
        c.put("attention_bias", false);
        c.put("mlp_bias", false);
        if (bos >= 0) c.put("bos_token_id", bos);
        if (eos >= 0) c.put("eos_token_id", eos);
        c.put("torch_dtype", torchDtype);
        if (config.ropeScaling() != null) {
            ModelConfig.RopeScaling r = config.ropeScaling();
            c.putObject("rope_scaling").put("rope_type", "llama3").put("factor", r.factor()).put("low_freq_factor", r.lowFreqFactor())
                    .put("high_freq_factor", r.highFreqFactor()).put("original_max_position_embeddings", r.originalMaxPositions());
        } else {
            c.putNull("rope_scaling");
        }
        byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(c);
        AtomicFile.write(file, tmp -> Files.write(tmp, bytes));
    }
}
