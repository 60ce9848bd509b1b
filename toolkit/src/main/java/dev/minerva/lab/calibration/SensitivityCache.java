package dev.minerva.lab.calibration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * Measured sensitivities on disk, so an interrupted calibration resumes where it stopped. One JSON
 * file per (model sha256, calibration-data fingerprint); entries keyed {@code metric|tensor|format}.
 * The file is rewritten atomically after every new entry (a measurement costs a forward pass over
 * the calibration set, far more than the write).
 * <pre>{"modelSha256": "…", "calibration": "…", "entries": {"measured_kl|layers.0.wq|q4_0": 0.0123, …}}</pre>
 */
public final class SensitivityCache {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
    private final Path file;
    private final String modelSha, calibration;
    private final Map<String, Double> entries = new TreeMap<>();
    private int hits, misses;

    /**
     * Opens (or starts) the cache in {@code dir} for this model and calibration set.
     *
     * @throws IOException if an existing cache file cannot be read or belongs to another model
     */
    public SensitivityCache(Path dir, String modelSha, String calibrationFingerprint) throws IOException {
        this.modelSha = modelSha;
        this.calibration = calibrationFingerprint;
        this.file = dir.resolve("sensitivity-" + shortHash(modelSha) + "-" + shortHash(calibrationFingerprint) + ".json");
        if (Files.exists(file)) {
            JsonNode root = JSON.readTree(file.toFile());
            if (!modelSha.equals(root.path("modelSha256").asText()) || !calibration.equals(root.path("calibration").asText())) {
                throw new IOException(file + ": fields 'modelSha256'/'calibration' belong to another model or calibration set");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = root.path("entries").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isNumber()) throw new IOException(file + ": field 'entries." + e.getKey() + "' is not a number");
                entries.put(e.getKey(), e.getValue().asDouble());
            }
        }
    }

    private static String shortHash(String s) { return s.length() <= 12 ? s : s.substring(0, 12); }

    public Path file() { return file; }

    /** Cached value, or {@code null}. */
    public Double get(String metric, String tensor, String format) {
        return entries.get(metric + "|" + tensor + "|" + format);
    }

    /** The cached value, or computes, stores and persists it. */
    public double getOrCompute(String metric, String tensor, String format, java.util.function.DoubleSupplier compute) throws IOException {
        Double v = get(metric, tensor, format);
        if (v != null) { hits++; return v; }
        misses++;
        double x = compute.getAsDouble();
        put(metric, tensor, format, x);
        return x;
    }

    /** Stores a value and rewrites the file atomically. */
    public synchronized void put(String metric, String tensor, String format, double value) throws IOException {
        entries.put(metric + "|" + tensor + "|" + format, value);
        ObjectNode root = JSON.createObjectNode();
        root.put("modelSha256", modelSha);
        root.put("calibration", calibration);
        ObjectNode es = root.putObject("entries");
        entries.forEach(es::put);
        AtomicFiles.writeString(file, JSON.writeValueAsString(root));
    }

    public int size() { return entries.size(); }
    public int hits() { return hits; }
    public int misses() { return misses; }
}
