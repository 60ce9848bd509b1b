package dev.minerva.model.gguf;

/** GGUF metadata value types, with their on-disk ids and fixed sizes (0 for string and array). */
public enum GgufType {
    UINT8(0, 1), INT8(1, 1), UINT16(2, 2), INT16(3, 2), UINT32(4, 4), INT32(5, 4), FLOAT32(6, 4), BOOL(7, 1),
    STRING(8, 0), ARRAY(9, 0), UINT64(10, 8), INT64(11, 8), FLOAT64(12, 8);

    final int id;
    final int size;

    GgufType(int id, int size) { this.id = id; this.size = size; }

    public int id() { return id; }

    /** The type with on-disk id {@code id}, or {@code null}. */
    public static GgufType of(int id) {
        for (GgufType t : values()) if (t.id == id) return t;
        return null;
    }

    boolean isInteger() { return this != FLOAT32 && this != FLOAT64 && this != BOOL && size > 0; }
}
