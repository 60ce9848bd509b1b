package dev.minerva.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * Reads a Hugging Face {@code config.json} of a Llama-family model into a {@link ModelConfig}.
 * <ul>
 *   <li>{@code num_key_value_heads} absent → equal to {@code num_attention_heads} (multi-head attention);</li>
 *   <li>{@code rope_theta} absent → 10000; {@code rms_norm_eps} absent → 1e-6 (transformers' LlamaConfig default);</li>
 *   <li>{@code tie_word_embeddings} absent → false;</li>
 *   <li>{@code rope_scaling} with {@code rope_type}/{@code type} {@code "llama3"} → {@link ModelConfig.RopeScaling};
 *       other scaling types are rejected rather than silently ignored.</li>
 * </ul>
 * Every error names the file and the field.
 */
public final class HfConfig {
    private HfConfig() {}

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Set<String> MODEL_TYPES = Set.of("llama", "mistral");

    /** @throws IllegalArgumentException naming file and field when the config is malformed or unsupported */
    public static ModelConfig read(Path file) throws IOException {
        String text = Files.readString(file);
        return parse(text, file.toString());
    }

    /**
     * Parses config.json text; {@code source} names it in errors.
     *
     * @throws IllegalArgumentException naming source and field when the config is malformed or unsupported
     */
    public static ModelConfig parse(String json, String source) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(source + ": malformed JSON at line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr() + ": " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) throw bad(source, "(root)", "must be a JSON object");
        JsonNode type = root.get("model_type");
        if (type != null && !type.isNull()) {
            if (!type.isTextual() || !MODEL_TYPES.contains(type.asText())) {
                throw bad(source, "model_type", "'" + type.asText() + "' is not supported (supported: " + String.join(", ", MODEL_TYPES.stream().sorted().toList()) + ")");
            }
        }
        int dim = positiveInt(source, root, "hidden_size", null);
        int hidden = positiveInt(source, root, "intermediate_size", null);
        int layers = positiveInt(source, root, "num_hidden_layers", null);
        int heads = positiveInt(source, root, "num_attention_heads", null);
        int kvHeads = positiveInt(source, root, "num_key_value_heads", heads);
        int vocab = positiveInt(source, root, "vocab_size", null);
        int seq = positiveInt(source, root, "max_position_embeddings", null);
        double theta = positiveDouble(source, root, "rope_theta", 10000.0);
        double eps = positiveDouble(source, root, "rms_norm_eps", 1e-6);
        boolean tied = bool(source, root, "tie_word_embeddings", false);
        if (dim % heads != 0) throw bad(source, "hidden_size", dim + " is not a multiple of num_attention_heads " + heads);
        if (heads % kvHeads != 0) throw bad(source, "num_key_value_heads", kvHeads + " does not divide num_attention_heads " + heads);
        JsonNode headDim = root.get("head_dim");
        if (headDim != null && !headDim.isNull()) {
            int hd = positiveInt(source, root, "head_dim", null);
            if (hd != dim / heads) throw bad(source, "head_dim", hd + " differs from hidden_size / num_attention_heads = " + dim / heads + " (unsupported)");
        }
        ModelConfig.RopeScaling scaling = ropeScaling(source, root.get("rope_scaling"));
        return new ModelConfig(dim, hidden, layers, heads, kvHeads, vocab, seq, theta, eps, tied, scaling);
    }

    private static ModelConfig.RopeScaling ropeScaling(String source, JsonNode rs) {
        if (rs == null || rs.isNull()) return null;
        if (!rs.isObject()) throw bad(source, "rope_scaling", "must be an object or null");
        JsonNode t = rs.has("rope_type") ? rs.get("rope_type") : rs.get("type");
        String kind = t == null || t.isNull() ? null : t.asText();
        if (!"llama3".equals(kind)) throw bad(source, "rope_scaling.rope_type", "'" + kind + "' is not supported (supported: llama3)");
        return new ModelConfig.RopeScaling(
                positiveDouble(source, rs, "factor", null, "rope_scaling."),
                positiveDouble(source, rs, "low_freq_factor", null, "rope_scaling."),
                positiveDouble(source, rs, "high_freq_factor", null, "rope_scaling."),
                positiveInt(source, rs, "original_max_position_embeddings", null, "rope_scaling."));
    }

    private static int positiveInt(String source, JsonNode obj, String key, Integer dflt) {
        return positiveInt(source, obj, key, dflt, "");
    }

    private static int positiveInt(String source, JsonNode obj, String key, Integer dflt, String prefix) {
        JsonNode v = obj.get(key);
        if (v == null || v.isNull()) {
            if (dflt == null) throw bad(source, prefix + key, "missing");
            return dflt;
        }
        if (!v.isIntegralNumber()) throw bad(source, prefix + key, "must be an integer, got " + v);
        if (!v.canConvertToInt()) throw bad(source, prefix + key, v + " is out of range");
        int i = v.intValue();
        if (i <= 0) throw bad(source, prefix + key, "must be positive, got " + i);
        return i;
    }

    private static double positiveDouble(String source, JsonNode obj, String key, Double dflt) {
        return positiveDouble(source, obj, key, dflt, "");
    }

    private static double positiveDouble(String source, JsonNode obj, String key, Double dflt, String prefix) {
        JsonNode v = obj.get(key);
        if (v == null || v.isNull()) {
            if (dflt == null) throw bad(source, prefix + key, "missing");
            return dflt;
        }
        if (!v.isNumber()) throw bad(source, prefix + key, "must be a number, got " + v);
        double d = v.doubleValue();
        if (!(d > 0) || Double.isInfinite(d)) throw bad(source, prefix + key, "must be positive, got " + v);
        return d;
    }

    private static boolean bool(String source, JsonNode obj, String key, boolean dflt) {
        JsonNode v = obj.get(key);
        if (v == null || v.isNull()) return dflt;
        if (!v.isBoolean()) throw bad(source, key, "must be true or false, got " + v);
        return v.booleanValue();
    }

    private static IllegalArgumentException bad(String source, String field, String why) {
        return new IllegalArgumentException(source + ": field " + field + ": " + why);
    }
}
