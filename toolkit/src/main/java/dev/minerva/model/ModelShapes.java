package dev.minerva.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Resolves a model's shapes from what a user types: a preset name ({@link ModelPresets}), a Hugging
 * Face {@code config.json} (or a folder holding one), or a model file whose format has a registered
 * header reader ({@code .bin}: llama2.c checkpoints). Other loaders (e.g. {@code .gguf} metadata,
 * safetensors folders) register readers by file suffix through {@link #register}, so tools such as the roofline accept them
 * without depending on the loaders.
 */
public final class ModelShapes {
    private ModelShapes() {}

    /** Reads only the shapes of a model file (a header), never the weights. */
    @FunctionalInterface
    public interface HeaderReader {
        ModelConfig read(Path file) throws IOException;
    }

    private static final Map<String, HeaderReader> READERS = new LinkedHashMap<>();

    static {
        READERS.put(".json", HfConfig::read);
        READERS.put(".bin", dev.minerva.model.llama2c.Llama2cCheckpoint::readConfig);
    }

    /** Registers (or replaces) the header reader for files ending in {@code suffix} (e.g. {@code ".gguf"}). */
    public static synchronized void register(String suffix, HeaderReader reader) {
        READERS.put(suffix.toLowerCase(Locale.ROOT), reader);
    }

    /**
     * @param spec preset name, config.json path, folder with a config.json, or a model file with a registered suffix
     * @throws IllegalArgumentException naming the known presets and suffixes when {@code spec} is neither
     */
    public static ModelConfig resolve(String spec) throws IOException {
        Path p = Path.of(spec);
        if (Files.isDirectory(p) && Files.isRegularFile(p.resolve("config.json"))) return HfConfig.read(p.resolve("config.json"));
        if (Files.isRegularFile(p)) {
            String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
            HeaderReader r;
            synchronized (ModelShapes.class) {
                r = READERS.entrySet().stream().filter(e -> name.endsWith(e.getKey())).map(Map.Entry::getValue).findFirst().orElse(null);
            }
            if (r == null) {
                throw new IllegalArgumentException(p + ": no shape reader for this file type; readable: " + String.join(", ", READERS.keySet())
                        + " (model-format loaders register more through ModelShapes.register)");
            }
            return r.read(p);
        }
        try {
            return ModelPresets.get(spec);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + "; or a path to a config.json / model file (" + String.join(", ", READERS.keySet()) + ")");
        }
    }
}
