package dev.minerva.lab.calibration;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A precision plan as a JSON file: tensor name → format id, plus how it was made.
 * <pre>
 * {
 *   "schema": "minerva.precision-plan/1",
 *   "model": {"file": "stories260K.bin", "sha256": "b0a5…"},
 *   "default": "f32",                               // tensors not listed keep this format
 *   "tensors": {"layers.0.wq": "q8_0", …},
 *   "shapes":  {"layers.0.wq": [64, 64], …},         // optional; checked against the model
 *   "budget": {"kind": "bits", "value": 6.0},        // free-form provenance from here on
 *   "solver": "knapsack", "predicted": {…}, "measured": {…}, "sensitivity": {…}
 * }
 * </pre>
 * Reading checks every field against the model and names the file and field in its error.
 *
 * @param tensors  explicit assignments (in file order)
 * @param defaultFormat format of quantisable tensors not listed
 * @param modelSha256 sha256 of the model file the plan was made for, or null
 * @param extra    the whole JSON document (provenance fields are kept when re-written)
 */
public record PrecisionPlanFile(Map<String, String> tensors, String defaultFormat, String modelSha256, ObjectNode extra) {

    public static final String SCHEMA = "minerva.precision-plan/1";
    // NaN (e.g. a CI of one chunk) is written as the string "NaN": the file stays standard JSON
    private static final ObjectMapper JSON = com.fasterxml.jackson.databind.json.JsonMapper.builder()
            .enable(com.fasterxml.jackson.core.json.JsonWriteFeature.WRITE_NAN_AS_STRINGS).enable(SerializationFeature.INDENT_OUTPUT).build();

    /** Thrown for a plan that does not fit the model; the message names the file and field. */
    public static final class InvalidPlanException extends IllegalArgumentException {
        public InvalidPlanException(String message) { super(message); }
    }

    /** The format of tensor {@code name} under this plan. */
    public String formatOf(String name) { return tensors.getOrDefault(name, defaultFormat); }

    /**
     * Parses {@code file} and validates it against the model's quantisable tensors.
     *
     * @param targets  the model's quantisable tensors ({@link QuantTarget#of})
     * @param modelSha the model file's sha256, or null to skip that check
     * @throws InvalidPlanException naming the file and field for unknown tensors or formats, wrong shapes,
     *                              block/group sizes that do not divide a row, or another model's hash
     */
    public static PrecisionPlanFile read(Path file, java.util.List<QuantTarget> targets, String modelSha) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (JsonProcessingException e) {
            throw new InvalidPlanException(file + ": not valid JSON at line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr() + ": " + e.getOriginalMessage());
        }
        return parse(file.toString(), root, targets, modelSha);
    }

    /** Validates an already parsed document; {@code source} names it in errors. */
    public static PrecisionPlanFile parse(String source, JsonNode root, java.util.List<QuantTarget> targets, String modelSha) {
        if (root == null || !root.isObject()) throw new InvalidPlanException(source + ": a plan must be a JSON object");
        Map<String, QuantTarget> byName = new LinkedHashMap<>();
        for (QuantTarget t : targets) byName.put(t.name(), t);
        String def = "f32";
        if (root.has("default")) {
            JsonNode d = root.get("default");
            if (!d.isTextual() || WeightFormats.find(d.asText()) == null) {
                throw new InvalidPlanException(source + ": field 'default': unknown dtype " + d + "; known: " + String.join(", ", WeightFormats.ids()));
            }
            def = WeightFormats.get(d.asText()).id();
        }
        JsonNode ts = root.get("tensors");
        if (ts == null || !ts.isObject()) throw new InvalidPlanException(source + ": field 'tensors' is missing or not an object of tensor → dtype");
        Map<String, String> map = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = ts.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String field = "tensors." + e.getKey();
            QuantTarget t = byName.get(e.getKey());
            if (t == null) {
                throw new InvalidPlanException(source + ": field '" + field + "': unknown tensor '" + e.getKey() + "'; the model's quantisable tensors are "
                        + summarise(byName.keySet()));
            }
            if (!e.getValue().isTextual() || WeightFormats.find(e.getValue().asText()) == null) {
                throw new InvalidPlanException(source + ": field '" + field + "': unknown dtype " + e.getValue() + "; known: " + String.join(", ", WeightFormats.ids()));
            }
            WeightFormat f = WeightFormats.get(e.getValue().asText());
            String why = f.incompatibility(t.rows(), t.cols());
            if (why != null) {
                throw new InvalidPlanException(source + ": field '" + field + "': " + f.id() + " cannot store " + t.name() + " (" + t.rows() + " x " + t.cols() + "): " + why);
            }
            map.put(e.getKey(), f.id());
        }
        for (QuantTarget t : targets) {
            if (!map.containsKey(t.name()) && !t.accepts(WeightFormats.get(def))) {
                throw new InvalidPlanException(source + ": field 'default': " + def + " cannot store " + t.name() + " (" + t.rows() + " x " + t.cols() + "): "
                        + WeightFormats.get(def).incompatibility(t.rows(), t.cols()));
            }
        }
        JsonNode shapes = root.get("shapes");
        if (shapes != null) {
            if (!shapes.isObject()) throw new InvalidPlanException(source + ": field 'shapes' must be an object of tensor → [rows, cols]");
            for (Iterator<Map.Entry<String, JsonNode>> it = shapes.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String field = "shapes." + e.getKey();
                QuantTarget t = byName.get(e.getKey());
                if (t == null) throw new InvalidPlanException(source + ": field '" + field + "': unknown tensor '" + e.getKey() + "'");
                JsonNode s = e.getValue();
                if (!s.isArray() || s.size() != 2 || !s.get(0).canConvertToLong() || !s.get(1).canConvertToLong()
                        || s.get(0).asLong() != t.rows() || s.get(1).asLong() != t.cols()) {
                    throw new InvalidPlanException(source + ": field '" + field + "': shape " + s + " does not match the model's [" + t.rows() + ", " + t.cols() + "]");
                }
            }
        }
        String sha = root.path("model").path("sha256").isTextual() ? root.path("model").path("sha256").asText() : null;
        if (modelSha != null && sha != null && !sha.equalsIgnoreCase(modelSha)) {
            throw new InvalidPlanException(source + ": field 'model.sha256': the plan was made for model " + sha + ", this model is " + modelSha);
        }
        return new PrecisionPlanFile(map, def, sha, (ObjectNode) root);
    }

    private static String summarise(java.util.Collection<String> names) {
        java.util.List<String> l = new java.util.ArrayList<>(names);
        return l.size() <= 8 ? String.join(", ", l) : String.join(", ", l.subList(0, 4)) + ", …, " + l.getLast() + " (" + l.size() + " in all)";
    }

    /** Builds a plan document; {@code provenance} fields (budget, solver, predicted, …) are copied in. */
    public static PrecisionPlanFile create(Map<String, String> tensors, java.util.List<QuantTarget> targets, String modelFile, String modelSha,
                                          Map<String, Object> provenance) {
        ObjectNode root = JSON.createObjectNode();
        root.put("schema", SCHEMA);
        ObjectNode model = root.putObject("model");
        model.put("file", modelFile);
        model.put("sha256", modelSha);
        root.put("default", "f32");
        ObjectNode ts = root.putObject("tensors");
        tensors.forEach(ts::put);
        ObjectNode shapes = root.putObject("shapes");
        for (QuantTarget t : targets) if (tensors.containsKey(t.name())) shapes.putArray(t.name()).add(t.rows()).add(t.cols());
        provenance.forEach((k, v) -> root.set(k, JSON.valueToTree(v)));
        return new PrecisionPlanFile(new LinkedHashMap<>(tensors), "f32", modelSha, root);
    }

    /** The JSON text. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(extra);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes the plan atomically (temp file + rename). */
    public void write(Path file) throws IOException {
        AtomicFiles.writeString(file, toJson());
    }
}
