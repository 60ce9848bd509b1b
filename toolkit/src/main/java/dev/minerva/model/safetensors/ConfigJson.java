package dev.minerva.model.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.minerva.model.AtomicFile;
import dev.minerva.model.ModelConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a Hugging Face Llama {@code config.json} from a {@link ModelConfig} (reading is
 * {@link dev.minerva.model.HfConfig}): {@code hidden_size},
 * {@code intermediate_size}, {@code num_hidden_layers}, {@code num_attention_heads},
 * {@code num_key_value_heads}, {@code vocab_size}, {@code max_position_embeddings}, {@code rope_theta},
 * {@code rms_norm_eps}, {@code tie_word_embeddings}, {@code rope_scaling} (llama3).
 */
public final class ConfigJson {
    private ConfigJson() {}

    private static final ObjectMapper JSON = new ObjectMapper();

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
