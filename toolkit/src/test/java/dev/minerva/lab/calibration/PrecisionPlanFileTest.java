package dev.minerva.lab.calibration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class PrecisionPlanFileTest {
    // stories260K shapes: w2 has 172 inputs, which no 32-block format divides
    static final List<QuantTarget> TARGETS = List.of(new QuantTarget("tok_embeddings", -1, 512, 64),
            new QuantTarget("layers.0.wq", 0, 64, 64), new QuantTarget("layers.0.w2", 0, 64, 172));

    @TempDir Path dir;

    Path write(String json) throws IOException {
        Path p = dir.resolve("plan.json");
        Files.writeString(p, json);
        return p;
    }

    String error(String json) throws IOException {
        Path p = write(json);
        PrecisionPlanFile.InvalidPlanException e = assertThrows(PrecisionPlanFile.InvalidPlanException.class,
                () -> PrecisionPlanFile.read(p, TARGETS, "abc"));
        assertTrue(e.getMessage().startsWith(p.toString()), "error must name the file: " + e.getMessage());
        return e.getMessage();
    }

    @Test void roundTrip() throws IOException {
        Map<String, String> a = new LinkedHashMap<>();
        a.put("tok_embeddings", "q8_0");
        a.put("layers.0.wq", "i4_g32");
        a.put("layers.0.w2", "int8_pc");
        PrecisionPlanFile plan = PrecisionPlanFile.create(a, TARGETS, "m.bin", "abc", Map.of("budget", Map.of("kind", "bits", "value", 6.0)));
        Path p = dir.resolve("out/plan.json");
        plan.write(p);
        PrecisionPlanFile back = PrecisionPlanFile.read(p, TARGETS, "abc");
        assertEquals(a, back.tensors());
        assertEquals("abc", back.modelSha256());
        assertEquals(6.0, back.extra().path("budget").path("value").asDouble());
        assertEquals("f32", back.formatOf("nope"));
    }

    @Test void unknownTensor() throws IOException {
        String m = error("{\"tensors\": {\"layers.9.wq\": \"q8_0\"}}");
        assertTrue(m.contains("tensors.layers.9.wq") && m.contains("unknown tensor"), m);
    }

    @Test void unknownDtype() throws IOException {
        String m = error("{\"tensors\": {\"layers.0.wq\": \"q3_k\"}}");
        assertTrue(m.contains("tensors.layers.0.wq") && m.contains("unknown dtype") && m.contains("q3_k"), m);
        m = error("{\"tensors\": {\"layers.0.wq\": 8}}");
        assertTrue(m.contains("unknown dtype"), m);
        m = error("{\"default\": \"fp8\", \"tensors\": {}}");
        assertTrue(m.contains("'default'"), m);
    }

    @Test void wrongShape() throws IOException {
        String m = error("{\"tensors\": {\"layers.0.wq\": \"f16\"}, \"shapes\": {\"layers.0.wq\": [64, 32]}}");
        assertTrue(m.contains("shapes.layers.0.wq") && m.contains("[64, 64]"), m);
    }

    @Test void blockSizeNotDividingRow() throws IOException {
        String m = error("{\"tensors\": {\"layers.0.w2\": \"q4_0\"}}");
        assertTrue(m.contains("tensors.layers.0.w2") && m.contains("172") && m.contains("32"), m);
        m = error("{\"default\": \"i4_g64\", \"tensors\": {}}");
        assertTrue(m.contains("'default'") && m.contains("layers.0.w2"), m);
    }

    @Test void otherModelAndBadJson() throws IOException {
        String m = error("{\"model\": {\"sha256\": \"def\"}, \"tensors\": {}}");
        assertTrue(m.contains("model.sha256"), m);
        m = error("{\"tensors\": {");
        assertTrue(m.contains("not valid JSON"), m);
        m = error("[1, 2]");
        assertTrue(m.contains("JSON object"), m);
        m = error("{}");
        assertTrue(m.contains("'tensors'"), m);
    }
}
