package dev.minerva.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class HfConfigTest {

    // values of TinyLlama/TinyLlama-1.1B-Chat-v1.0 config.json
    static final String TINYLLAMA = """
            {"architectures": ["LlamaForCausalLM"], "bos_token_id": 1, "eos_token_id": 2, "hidden_act": "silu",
             "hidden_size": 2048, "initializer_range": 0.02, "intermediate_size": 5632, "max_position_embeddings": 2048,
             "model_type": "llama", "num_attention_heads": 32, "num_hidden_layers": 22, "num_key_value_heads": 4,
             "pretraining_tp": 1, "rms_norm_eps": 1e-05, "rope_scaling": null, "tie_word_embeddings": false,
             "torch_dtype": "bfloat16", "transformers_version": "4.35.0", "use_cache": true, "vocab_size": 32000}""";

    // values of meta-llama/Llama-3.2-1B config.json
    static final String LLAMA32_1B = """
            {"hidden_size": 2048, "intermediate_size": 8192, "max_position_embeddings": 131072, "model_type": "llama",
             "num_attention_heads": 32, "num_hidden_layers": 16, "num_key_value_heads": 8, "rms_norm_eps": 1e-05,
             "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                              "original_max_position_embeddings": 8192, "rope_type": "llama3"},
             "rope_theta": 500000.0, "tie_word_embeddings": true, "vocab_size": 128256, "head_dim": 64}""";

    @Test
    void tinyLlamaMatchesPreset(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("config.json");
        Files.writeString(f, TINYLLAMA);
        ModelConfig c = HfConfig.read(f);
        assertEquals(ModelPresets.get("tinyllama-1.1b"), c);
        assertEquals(1_100_048_384L, c.parameterCount());
    }

    @Test
    void llama32WithRopeScalingAndTiedEmbeddings() {
        ModelConfig c = HfConfig.parse(LLAMA32_1B, "config.json");
        assertEquals(ModelPresets.get("llama-3.2-1b"), c);
        assertTrue(c.tiedEmbeddings());
        assertEquals(new ModelConfig.RopeScaling(32.0, 1.0, 4.0, 8192), c.ropeScaling());
    }

    @Test
    void kvHeadsDefaultToHeads() {
        ModelConfig c = HfConfig.parse("{\"hidden_size\": 64, \"intermediate_size\": 172, \"num_hidden_layers\": 2,"
                + "\"num_attention_heads\": 8, \"vocab_size\": 512, \"max_position_embeddings\": 256}", "x.json");
        assertEquals(8, c.nKvHeads());
        assertEquals(10000.0, c.ropeTheta());
        assertFalse(c.tiedEmbeddings());
        assertNull(c.ropeScaling());
    }

    @Test
    void badInputsNameFileAndField() {
        expect(TINYLLAMA.replace("\"hidden_size\": 2048,", ""), "field hidden_size: missing");
        expect(TINYLLAMA.replace("\"hidden_size\": 2048", "\"hidden_size\": -2048"), "field hidden_size: must be positive");
        expect(TINYLLAMA.replace("\"num_hidden_layers\": 22", "\"num_hidden_layers\": \"22\""), "field num_hidden_layers: must be an integer");
        expect(TINYLLAMA.replace("\"vocab_size\": 32000", "\"vocab_size\": 3.5"), "field vocab_size: must be an integer");
        expect(TINYLLAMA.replace("\"vocab_size\": 32000", "\"vocab_size\": 99999999999"), "field vocab_size: 99999999999 is out of range");
        expect(TINYLLAMA.replace("\"rms_norm_eps\": 1e-05", "\"rms_norm_eps\": \"small\""), "field rms_norm_eps: must be a number");
        expect(TINYLLAMA.replace("\"num_key_value_heads\": 4", "\"num_key_value_heads\": 5"), "field num_key_value_heads");
        expect(TINYLLAMA.replace("\"tie_word_embeddings\": false", "\"tie_word_embeddings\": 0"), "field tie_word_embeddings");
        expect(TINYLLAMA.replace("\"model_type\": \"llama\"", "\"model_type\": \"gpt2\""), "field model_type");
        expect(TINYLLAMA.replace("\"rope_scaling\": null", "\"rope_scaling\": {\"type\": \"linear\", \"factor\": 2.0}"), "field rope_scaling.rope_type");
        expect(LLAMA32_1B.replace("\"factor\": 32.0,", ""), "field rope_scaling.factor: missing");
        expect(LLAMA32_1B.replace("\"head_dim\": 64", "\"head_dim\": 128"), "field head_dim");
        expect("{\"hidden_size\": ", "malformed JSON");
        expect("[1, 2]", "must be a JSON object");
    }

    private static void expect(String json, String fragment) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HfConfig.parse(json, "/m/config.json"));
        assertTrue(e.getMessage().startsWith("/m/config.json: "), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), "expected '" + fragment + "' in: " + e.getMessage());
    }
}
