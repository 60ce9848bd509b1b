package dev.minerva.model.safetensors;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.minerva.model.ModelFormatException;
import dev.minerva.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The tensors of a Hugging Face model folder: {@code model.safetensors}, or the shards listed in
 * {@code model.safetensors.index.json} ({@code {"weight_map": {"tensor": "model-00001-of-00002.safetensors"}}}).
 */
public final class SafetensorsCheckpoint {
    public static final String SINGLE = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";

    private final Map<String, SafetensorsFile> byTensor;

    private SafetensorsCheckpoint(Map<String, SafetensorsFile> byTensor) { this.byTensor = byTensor; }

    /**
     * Opens the checkpoint in {@code dir}, mapping each shard once.
     *
     * @throws ModelFormatException if the index is malformed, names a missing shard or a tensor its shard lacks
     */
    public static SafetensorsCheckpoint open(Path dir, Arena arena) throws IOException {
        Map<String, SafetensorsFile> byTensor = new LinkedHashMap<>();
        Path index = dir.resolve(INDEX);
        if (Files.isRegularFile(index)) {
            JsonNode root;
            try {
                root = new ObjectMapper().readTree(index.toFile());
            } catch (JacksonException e) {
                throw new ModelFormatException(index, "JSON", e.getLocation() == null ? -1 : e.getLocation().getByteOffset(), "malformed: " + e.getOriginalMessage(), e);
            }
            JsonNode wm = root == null ? null : root.get("weight_map");
            if (wm == null || !wm.isObject()) throw new ModelFormatException(index, "weight_map", -1, "missing or not an object");
            Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
            for (var it = wm.fields(); it.hasNext(); ) {
                var e = it.next();
                String shard = e.getValue().asText();
                if (!e.getValue().isTextual() || shard.contains("/") || shard.contains("\\") || shard.equals("..")) {
                    throw new ModelFormatException(index, "weight_map['" + e.getKey() + "']", -1, "'" + e.getValue() + "' is not a file name in the folder");
                }
                SafetensorsFile f = shards.get(shard);
                if (f == null) {
                    f = SafetensorsFile.open(dir.resolve(shard), arena);
                    shards.put(shard, f);
                }
                if (!f.has(e.getKey())) throw new ModelFormatException(dir.resolve(shard), "tensor '" + e.getKey() + "'", 8, "listed in " + INDEX + " but not in the shard");
                byTensor.put(e.getKey(), f);
            }
        } else if (Files.isRegularFile(dir.resolve(SINGLE))) {
            SafetensorsFile f = SafetensorsFile.open(dir.resolve(SINGLE), arena);
            for (String n : f.names()) byTensor.put(n, f);
        } else {
            List<Path> any;
            try (var s = Files.list(dir)) { any = s.filter(p -> p.toString().endsWith(".safetensors")).sorted().toList(); }
            if (any.size() != 1) {
                throw new ModelFormatException(dir, SINGLE, -1, "folder has neither " + SINGLE + " nor " + INDEX + (any.isEmpty() ? "" : " (and " + any.size() + " unindexed .safetensors files)"));
            }
            SafetensorsFile f = SafetensorsFile.open(any.get(0), arena);
            for (String n : f.names()) byTensor.put(n, f);
        }
        return new SafetensorsCheckpoint(byTensor);
    }

    public Set<String> names() { return byTensor.keySet(); }

    public boolean has(String name) { return byTensor.containsKey(name); }

    /** The file that holds {@code name}. */
    public SafetensorsFile fileOf(String name) {
        SafetensorsFile f = byTensor.get(name);
        if (f == null) throw new IllegalArgumentException("no tensor '" + name + "' in the checkpoint");
        return f;
    }

    /** The tensor {@code name} (a view of its mapped shard). */
    public Tensor tensor(String name) throws ModelFormatException { return fileOf(name).tensor(name); }
}
