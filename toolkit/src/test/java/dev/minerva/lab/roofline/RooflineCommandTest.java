package dev.minerva.lab.roofline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.minerva.cli.CliRun;
import dev.minerva.record.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class RooflineCommandTest {

    static CliRun run(String... args) { return CliRun.of(args); }

    @Test
    void jsonIsOneObjectWithParametersAndCeiling() throws Exception {
        CliRun r = run("roofline", "--model", "tinyllama-1.1b", "--hardware", "h100-sxm", "--batch", "1", "--context", "512",
                "--weights", "f16", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = Json.MAPPER.readTree(r.out());
        assertTrue(j.isObject());
        assertEquals(1_100_048_384L, j.get("parameters").asLong());
        assertEquals(1607.07, j.get("decode_tokens_per_s_ceiling").asDouble(), 0.01);
        assertEquals(18, j.get("ops").size());
        assertEquals("wq", j.get("ops").get(2).get("op").asText());
        assertTrue(j.get("decode_step_compute_bound_batch").isNull());
    }

    @Test
    void tablePrintsOpsAndCeiling() {
        CliRun r = run("roofline", "--model", "llama-2-7b", "--hardware", "a100-80gb", "--weights", "q4_0", "--attention", "naive");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("w2"), r.out());
        assertTrue(r.out().contains("decode tokens/s ceiling"), r.out());
        assertTrue(r.out().contains("6,738,415,616"), r.out());
    }

    @Test
    void configJsonAsModel(@TempDir Path dir) throws Exception {
        Path cfg = dir.resolve("config.json");
        Files.writeString(cfg, """
                {"hidden_size": 2048, "intermediate_size": 5632, "num_hidden_layers": 22, "num_attention_heads": 32,
                 "num_key_value_heads": 4, "vocab_size": 32000, "max_position_embeddings": 2048, "model_type": "llama"}""");
        CliRun r = run("roofline", "--model", cfg.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        assertEquals(1_100_048_384L, Json.MAPPER.readTree(r.out()).get("parameters").asLong());
    }

    @Test
    void llama2cCheckpointAsModel() throws Exception {
        Path model = Path.of(System.getProperty("minerva.root", ".")).resolve("../shared/models/stories260K/stories260K.bin").normalize();
        if (!Files.isRegularFile(model)) {
            if ("true".equals(System.getenv("CI"))) fail("missing " + model + " (CI=true)");
            org.junit.jupiter.api.Assumptions.abort("skipped: " + model + " not present");
        }
        CliRun r = run("roofline", "--model", model.toString(), "--weights", "f32", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = Json.MAPPER.readTree(r.out());
        assertEquals(dev.minerva.model.ModelPresets.get("stories260k").parameterCount(), j.get("parameters").asLong());
        assertEquals(260_032L, j.get("parameters").asLong());
    }

    @Test
    void unknownNamesListKnownOnes() {
        CliRun m = run("roofline", "--model", "gpt-9");
        assertEquals(2, m.code());
        assertTrue(m.err().contains("unknown model 'gpt-9'") && m.err().contains("tinyllama-1.1b"), m.err());
        CliRun h = run("roofline", "--hardware", "abacus");
        assertEquals(2, h.code());
        assertTrue(h.err().contains("unknown hardware 'abacus'") && h.err().contains("h100-sxm"), h.err());
        CliRun w = run("roofline", "--weights", "q3_z");
        assertEquals(2, w.code());
        assertTrue(w.err().contains("unknown precision 'q3_z'"), w.err());
    }
}
