package dev.minerva.model;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A whole model file mapped read-only into memory (any size: a {@link MemorySegment}, not a 2 GB
 * {@code ByteBuffer}), with the checks every loader needs first: a regular, readable file of at
 * least {@code minBytes} bytes (so directories and {@code /dev/null} fail with a clear message).
 */
public final class MappedFile {
    private MappedFile() {}

    /**
     * Maps {@code file} into {@code arena}; the mapping lives until the arena is closed.
     *
     * @param what     what the file should be ("safetensors", "GGUF"), for messages
     * @param minBytes smallest size a valid file can have
     */
    public static MemorySegment map(Path file, Arena arena, String what, long minBytes) throws IOException {
        if (Files.isDirectory(file)) throw new ModelFormatException(file, what + " file", -1, "is a directory, not a file");
        if (!Files.exists(file)) throw new java.nio.file.NoSuchFileException(file.toString(), null, "no such " + what + " file");
        if (!Files.isRegularFile(file)) throw new ModelFormatException(file, what + " file", -1, "is not a regular file");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < minBytes) {
                throw new ModelFormatException(file, what + " header", 0,
                        "file is " + size + " bytes, a " + what + " file needs at least " + minBytes);
            }
            return ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
        }
    }
}
