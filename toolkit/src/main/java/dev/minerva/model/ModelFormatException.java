package dev.minerva.model;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A model, tokenizer or config file is malformed. The message names the file, the field and,
 * for binary formats, the byte offset, e.g.
 * {@code model.gguf: tensor 'blk.0.attn_q.weight' dims at byte 1234: dimension -3 is negative}.
 */
public final class ModelFormatException extends IOException {
    private final Path file;
    private final String field;
    private final long offset;

    /**
     * @param file   the offending file
     * @param field  what was being read (a header field, a tensor name, a JSON key)
     * @param offset byte offset in the file, or -1 when it does not apply (JSON)
     * @param problem what is wrong with it
     */
    public ModelFormatException(Path file, String field, long offset, String problem) {
        super(file + ": " + field + (offset >= 0 ? " at byte " + offset : "") + ": " + problem);
        this.file = file;
        this.field = field;
        this.offset = offset;
    }

    public ModelFormatException(Path file, String field, long offset, String problem, Throwable cause) {
        this(file, field, offset, problem);
        initCause(cause);
    }

    public Path file() { return file; }
    public String field() { return field; }
    /** Byte offset in the file, or -1. */
    public long offset() { return offset; }
}
