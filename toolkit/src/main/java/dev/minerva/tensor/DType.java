package dev.minerva.tensor;

/**
 * Element types of tensors. Quantised types are stored in blocks (ggml layout): {@code blockSize}
 * logical elements take {@code blockBytes} bytes, scales included, so {@link #bitsPerWeight()} is
 * the exact storage cost used in every "bits" figure.
 */
public enum DType {
    /** IEEE float32. */
    F32(1, 4, 0),
    /** IEEE float16. */
    F16(1, 2, 1),
    /** bfloat16 (upper half of a float32). */
    BF16(1, 2, 30),
    /** ggml Q8_0: blocks of 32 int8 with one f16 scale (34 bytes). */
    Q8_0(32, 34, 8),
    /** ggml Q4_0: blocks of 32 4-bit values (offset 8) with one f16 scale (18 bytes). */
    Q4_0(32, 18, 2);

    private final int blockSize;
    private final int blockBytes;
    private final int ggmlType;

    DType(int blockSize, int blockBytes, int ggmlType) {
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
        this.ggmlType = ggmlType;
    }

    /** Logical elements per storage block (1 for plain floats). */
    public int blockSize() { return blockSize; }

    /** Bytes per storage block, scales included. */
    public int blockBytes() { return blockBytes; }

    /** The type id used by GGUF/ggml for this type. */
    public int ggmlType() { return ggmlType; }

    public boolean isQuantized() { return blockSize > 1; }

    /** Exact storage cost per logical element, scales included (Q8_0: 8.5, Q4_0: 4.5). */
    public double bitsPerWeight() { return 8.0 * blockBytes / blockSize; }

    /**
     * Bytes needed for {@code elements} logical elements.
     *
     * @throws IllegalArgumentException if {@code elements} is negative or not a multiple of the block size
     */
    public long byteSize(long elements) {
        if (elements < 0) throw new IllegalArgumentException("negative element count " + elements);
        if (elements % blockSize != 0) {
            throw new IllegalArgumentException(name() + " needs a multiple of " + blockSize + " elements, got " + elements);
        }
        return Math.multiplyExact(elements / blockSize, (long) blockBytes);
    }

    /** The DType with the given ggml type id, or {@code null} if Minerva does not support it. */
    public static DType fromGgmlType(int id) {
        for (DType t : values()) if (t.ggmlType == id) return t;
        return null;
    }
}
