package dev.minerva.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.minerva.TestModels;
import dev.minerva.record.Json;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** {@code minerva bench} on stories260K: one JSON line per batch size, and clear refusals of what it cannot do. */
class BenchCommandTest {

    static CliRun run(String... args) { return CliRun.of(args); }

    private static String[] stories(String... more) {
        Path m = TestModels.require("stories260K/stories260K.bin"), t = TestModels.require("stories260K/tok512.bin");
        List<String> a = new java.util.ArrayList<>(List.of("bench", "--backend", "cpu", "--model", m.toString(), "--tokenizer", t.toString(),
                "--prompt-tokens", "8", "--gen-tokens", "5", "--warmup-tokens", "0", "--no-triad"));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    @Test void oneJsonLinePerBatchSize() throws Exception {
        CliRun r = run(stories("--batch", "1,3"));
        assertEquals(0, r.code(), r.err());
        List<JsonNode> lines = new java.util.ArrayList<>();
        for (String l : r.out().split("\n")) if (l.startsWith("{")) lines.add(Json.MAPPER.readTree(l));
        assertEquals(2, lines.size(), r.out());
        for (int i = 0; i < 2; i++) {
            JsonNode j = lines.get(i);
            assertEquals(i == 0 ? 1 : 3, j.get("batch").asInt());
            assertEquals(4, j.get("genTokens").asInt(), "decode steps after the prefill's token");
            assertEquals("cpu backend ops", j.get("decodePath").asText());
            assertTrue(j.get("decodeTokensPerSecond").asDouble() > 0);
            // a step streams the weights once for the whole batch: tokens/s = batch / TPOT
            assertEquals(j.get("batch").asInt() * 1e3 / j.get("tpotMs").asDouble(), j.get("decodeTokensPerSecond").asDouble(),
                    1e-6 * j.get("decodeTokensPerSecond").asDouble());
        }
        assertTrue(r.out().contains("batch        3 sequences"), r.out());
    }

    @Test void badBatchSizesAreRefused() {
        CliRun zero = run(stories("--batch", "0"));
        assertNotEquals(0, zero.code());
        assertTrue(zero.err().contains("--batch"), zero.err());
        CliRun profiled = run(stories("--batch", "1,2", "--profile"));
        assertNotEquals(0, profiled.code());
        assertTrue(profiled.err().contains("--profile"), profiled.err());
    }

    @Test void repeatsGiveARunEachAndASummaryOfThem() throws Exception {
        CliRun r = run(stories("--batch", "1,2", "--repeat", "3"));
        assertEquals(0, r.code(), r.err());
        List<JsonNode> lines = new java.util.ArrayList<>();
        for (String l : r.out().split("\n")) if (l.startsWith("{")) lines.add(Json.MAPPER.readTree(l));
        assertEquals(6, lines.size(), r.out());
        for (int i = 0; i < 6; i++) {
            assertEquals(i < 3 ? 1 : 2, lines.get(i).get("batch").asInt(), "runs grouped by batch size");
            assertEquals(i % 3, lines.get(i).get("repeat").asInt());
        }
        assertTrue(r.out().contains("summary      median (min–max) of 3 runs"), r.out());
        assertTrue(r.out().contains("batch 2   decode t/s"), r.out());
        assertFalse(r.out().contains("% of triad"), "--no-triad: no yardstick, so no ratio to it in the summary");
        CliRun zero = run(stories("--repeat", "0"));
        assertNotEquals(0, zero.code());
        assertTrue(zero.err().contains("--repeat"), zero.err());
    }

    @Test void summaryIsMedianAndRangePerBatch() throws Exception {
        List<com.fasterxml.jackson.databind.node.ObjectNode> rows = new java.util.ArrayList<>();
        double[][] runs = {{1, 100, 10}, {1, 300, 20}, {1, 200, 40}, {4, 50, 5}, {4, 70, 7}};   // batch, prefill, decode
        for (double[] x : runs) {
            rows.add((com.fasterxml.jackson.databind.node.ObjectNode) Json.MAPPER.readTree(String.format(
                    "{\"batch\":%d,\"prefillTokensPerSecond\":%s,\"decodeTokensPerSecond\":%s,\"decodePercentOfTriad\":\"NaN\","
                            + "\"decodePercentOfDeviceCopy\":\"NaN\",\"prefillPercentOfFma\":\"NaN\",\"triadBytesPerSecond\":2.5E10,\"fmaFlopsPerSecond\":\"NaN\"}",
                    (int) x[0], x[1], x[2])));
        }
        var t = BenchSummary.of(rows);
        java.util.Map<String, double[]> got = new java.util.HashMap<>();
        for (int i = 0; i < t.rowCount(); i++) {
            got.put(t.intColumn("batch").get(i) + " " + t.stringColumn("figure").get(i),
                    new double[]{t.intColumn("runs").get(i), t.doubleColumn("median").get(i), t.doubleColumn("min").get(i), t.doubleColumn("max").get(i)});
        }
        assertArrayEquals(new double[]{3, 200, 100, 300}, got.get("1 prefill t/s"));
        assertArrayEquals(new double[]{3, 20, 10, 40}, got.get("1 decode t/s"));
        assertArrayEquals(new double[]{3, 10, 5, 15}, got.get("1 prefill ÷ decode per token"), 1e-12, "ratio per run, then the median");
        assertArrayEquals(new double[]{2, 60, 50, 70}, got.get("4 prefill t/s"));
        assertArrayEquals(new double[]{3, 25, 25, 25}, got.get("1 triad GB/s"), 1e-12);
        assertFalse(got.containsKey("1 decode % of triad"), "a figure NaN in every run is left out");
        assertEquals(8, t.rowCount(), "prefill, decode, their ratio and the triad for each of two batch sizes");
    }

    @Test void recordedTableHasARowPerBatch() throws Exception {
        var a = (com.fasterxml.jackson.databind.node.ObjectNode) Json.MAPPER.readTree("{\"batch\":1,\"path\":\"x\"}");
        var b = (com.fasterxml.jackson.databind.node.ObjectNode) Json.MAPPER.readTree("{\"batch\":4,\"path\":\"x\"}");
        var t = BenchCommand.table(List.of(a, b));
        assertEquals(2, t.rowCount());
        assertEquals(4.0, t.doubleColumn("batch").get(1));
        assertEquals("x", t.stringColumn("path").get(0));
    }
}
