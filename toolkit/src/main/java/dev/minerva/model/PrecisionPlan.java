package dev.minerva.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.minerva.tensor.DType;
import dev.minerva.tensor.Tensor;
import dev.minerva.tensor.TensorCodec;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Which dtype each weight tensor is stored in: explicit entries by canonical tensor name, and a default
 * for every matrix (2-D tensor) not named. Vectors (norm weights) stay F32 unless named. Uniform Q8_0 or
 * Q4_0 is the plan with only a default. JSON form:
 * <pre>{"default": "Q8_0", "tensors": {"layers.0.w2": "F32", "tok_embeddings": "F16"}}</pre>
 * A matrix whose row length is not a multiple of the default's block size keeps its dtype (named
 * entries that cannot be honoured are an error instead).
 */
public record PrecisionPlan(DType defaultMatrix, Map<String, DType> tensors) {

    public PrecisionPlan {
        tensors = Map.copyOf(tensors);
    }

    /** Every matrix in {@code dtype}. {@code null} keeps every tensor as loaded. */
    public static PrecisionPlan uniform(DType dtype) { return new PrecisionPlan(dtype, Map.of()); }

    /** The dtype {@code t} gets under this plan. */
    public DType dtypeFor(Tensor t) {
        DType named = tensors.get(t.name());
        if (named != null) return named;
        if (defaultMatrix != null && t.rank() == 2 && t.cols() % defaultMatrix.blockSize() == 0) return defaultMatrix;
        return t.dtype();
    }

    /**
     * {@code weights} re-materialised under this plan (converted tensors in memory owned by {@code arena},
     * others shared).
     *
     * @throws IllegalArgumentException if the plan names a tensor the weights lack, or one that cannot take its dtype
     */
    public Weights apply(Weights weights, Arena arena) {
        for (String n : tensors.keySet()) {
            if (!weights.tensors().containsKey(n)) throw new IllegalArgumentException("precision plan names unknown tensor '" + n + "'");
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Tensor t : weights.tensors().values()) {
            DType target = dtypeFor(t);
            if (target != t.dtype()) out.put(t.name(), TensorCodec.convert(t, target, arena));
        }
        return out.isEmpty() ? weights : weights.with(out);
    }

    /** Parses a dtype name case-insensitively ({@code q8_0}, {@code F16}). */
    public static DType parseDType(String s) {
        try {
            return DType.valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown dtype '" + s + "'; known: " + java.util.Arrays.toString(DType.values()));
        }
    }

    /**
     * Reads a plan from JSON.
     *
     * @throws IllegalArgumentException naming the file and field if it is malformed
     */
    public static PrecisionPlan read(Path file) throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) throw new IllegalArgumentException(file + ": a precision plan must be a JSON object");
        DType def = null;
        if (root.has("default") && !root.get("default").isNull()) {
            try {
                def = parseDType(root.get("default").asText());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + ": field 'default': " + e.getMessage());
            }
        }
        Map<String, DType> m = new LinkedHashMap<>();
        JsonNode ts = root.get("tensors");
        if (ts != null && !ts.isNull()) {
            if (!ts.isObject()) throw new IllegalArgumentException(file + ": field 'tensors' must be an object of name → dtype");
            for (var it = ts.fields(); it.hasNext(); ) {
                var e = it.next();
                try {
                    m.put(e.getKey(), parseDType(e.getValue().asText()));
                } catch (IllegalArgumentException ex) {
                    throw new IllegalArgumentException(file + ": field 'tensors." + e.getKey() + "': " + ex.getMessage());
                }
            }
        }
        return new PrecisionPlan(def, m);
    }

    /** Writes this plan as JSON (temp file + atomic rename). */
    public void write(Path file) throws IOException {
        ObjectMapper om = new ObjectMapper();
        ObjectNode root = om.createObjectNode();
        root.put("default", defaultMatrix == null ? null : defaultMatrix.name());
        ObjectNode ts = root.putObject("tensors");
        new java.util.TreeMap<>(tensors).forEach((k, v) -> ts.put(k, v.name()));
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        om.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), root);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
