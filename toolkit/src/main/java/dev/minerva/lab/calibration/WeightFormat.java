package dev.minerva.lab.calibration;

import dev.minerva.tensor.DType;

/**
 * A storage format a precision plan may choose for one weight matrix {@code W[rows][cols]}
 * (row-major, {@code cols} = the input dimension). Every format states its exact storage cost,
 * scales included, and has a real codec ({@link #encode} / {@link #decode} to and from its byte
 * layout); {@link #fakeQuantise} = decode(encode(w)) gives the F32 weights whose matmul is
 * numerically what a dedicated kernel for this format computes (up to float rounding).
 */
public interface WeightFormat {

    /** Short lower-case id used in plans, CLI flags and tables (e.g. {@code q4_0}, {@code int8_pc}, {@code i4_g64}). */
    String id();

    /** The engine's DType when the engine has a real kernel for this format, else {@code null} (fake-quantised only). */
    DType engineType();

    /**
     * Why a {@code rows x cols} matrix cannot be stored in this format (e.g. a block size that does
     * not divide a row), or {@code null} when it can.
     */
    String incompatibility(long rows, long cols);

    /** Exact bytes for a {@code rows x cols} matrix, scales included. */
    long byteSize(long rows, long cols);

    /** Effective bits per weight for a {@code rows x cols} matrix: {@code 8 * byteSize / (rows * cols)}. */
    default double bitsPerWeight(long rows, long cols) { return 8.0 * byteSize(rows, cols) / ((double) rows * cols); }

    /** Encodes {@code w} (length rows*cols) into exactly {@link #byteSize} bytes. */
    byte[] encode(float[] w, int rows, int cols);

    /** Decodes bytes produced by {@link #encode} back to {@code rows*cols} floats. */
    float[] decode(byte[] data, int rows, int cols);

    /** decode(encode(w)): the weights as this format represents them. */
    default float[] fakeQuantise(float[] w, int rows, int cols) {
        String why = incompatibility(rows, cols);
        if (why != null) throw new IllegalArgumentException(id() + ": " + why);
        return decode(encode(w, rows, cols), rows, cols);
    }
}
