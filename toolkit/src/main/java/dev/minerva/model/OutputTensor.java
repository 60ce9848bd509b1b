package dev.minerva.model;

import dev.minerva.tensor.DType;

import java.util.Arrays;

/**
 * A tensor to be written, produced row by row so that writers can stream models far larger than
 * the heap (a TinyLlama F32 file is 4.4 GB). Rows are the last dimension; a 1-D tensor is one row.
 *
 * @param name  name in the output format
 * @param dtype storage type in the output file
 * @param shape outermost first (row-major), e.g. {@code {out, in}} for a weight matrix
 * @param rows  fills row {@code r} (length {@code shape[last]}) as float32
 */
public record OutputTensor(String name, DType dtype, long[] shape, RowSource rows) {

    /** Produces one row of a tensor as float32; rows may be asked for in any order (writers permute rows). */
    @FunctionalInterface
    public interface RowSource {
        void row(long r, float[] out);
    }

    public OutputTensor {
        shape = shape.clone();
        if (dtype.isQuantized() && cols(shape) % dtype.blockSize() != 0) {
            throw new IllegalArgumentException("tensor '" + name + "' " + Arrays.toString(shape) + ": " + dtype
                    + " needs rows that are a multiple of " + dtype.blockSize());
        }
    }

    private static long cols(long[] s) { return s.length == 0 ? 1 : s[s.length - 1]; }

    public long cols() { return cols(shape); }

    public long numel() {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return n;
    }

    public long nRows() { return cols() == 0 ? 0 : numel() / cols(); }

    public long byteSize() { return dtype.byteSize(numel()); }
}
