package dev.minerva.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * A named n-dimensional array: dtype + shape + storage. Row-major with the last dimension
 * contiguous; a weight matrix {@code W[out][in]} has shape {@code {out, in}} (llama2.c / ggml order).
 * Storage is a {@link MemorySegment}: heap, a memory-mapped file region, or native memory.
 * No math lives here (see {@code dev.minerva.backend}).
 */
public final class Tensor {
    private final String name;
    private final DType dtype;
    private final long[] shape;
    private final MemorySegment data;

    private Tensor(String name, DType dtype, long[] shape, MemorySegment data) {
        this.name = name;
        this.dtype = dtype;
        this.shape = shape;
        this.data = data;
    }

    /**
     * Wraps existing storage.
     *
     * @throws IllegalArgumentException if a dimension is negative or the storage size does not match
     */
    public static Tensor of(String name, DType dtype, long[] shape, MemorySegment data) {
        long[] s = shape.clone();
        long n = numel(name, s);
        long want = dtype.byteSize(n);
        if (data.byteSize() != want) {
            throw new IllegalArgumentException("tensor '" + name + "' " + dtype + Arrays.toString(s)
                    + " needs " + want + " bytes, storage has " + data.byteSize());
        }
        return new Tensor(name, dtype, s, data);
    }

    /** A zero-filled F32 tensor on the Java heap (backed by a {@code float[]}). */
    public static Tensor zerosF32(String name, long... shape) {
        long n = numel(name, shape);
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("tensor '" + name + "' too large for the heap: " + n);
        return new Tensor(name, DType.F32, shape.clone(), MemorySegment.ofArray(new float[(int) n]));
    }

    /** A zero-filled tensor of any dtype in native memory owned by {@code arena}. */
    public static Tensor allocate(Arena arena, String name, DType dtype, long... shape) {
        long bytes = dtype.byteSize(numel(name, shape));
        return new Tensor(name, dtype, shape.clone(), arena.allocate(bytes, 64));
    }

    /** An F32 tensor wrapping {@code values} (no copy). */
    public static Tensor ofF32(String name, float[] values, long... shape) {
        return of(name, DType.F32, shape, MemorySegment.ofArray(values));
    }

    private static long numel(String name, long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("tensor '" + name + "' has negative dimension in " + Arrays.toString(shape));
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public String name() { return name; }
    public DType dtype() { return dtype; }
    public long[] shape() { return shape.clone(); }
    public int rank() { return shape.length; }
    public long dim(int i) { return shape[i]; }
    public MemorySegment data() { return data; }
    public long numel() { return numel(name, shape); }
    public long byteSize() { return data.byteSize(); }

    /** Rows of a matrix = product of all but the last dimension. */
    public long rows() { return shape.length == 0 ? 1 : numel() / Math.max(1, shape[shape.length - 1]); }

    /** Columns of a matrix = the last (contiguous) dimension. */
    public long cols() { return shape.length == 0 ? 1 : shape[shape.length - 1]; }

    /** The same storage under another name. */
    public Tensor renamed(String newName) { return new Tensor(newName, dtype, shape, data); }

    /** The same storage viewed with another shape of equal element count. */
    public Tensor reshape(long... newShape) {
        if (numel(name, newShape) != numel()) {
            throw new IllegalArgumentException("cannot reshape '" + name + "' " + Arrays.toString(shape) + " to " + Arrays.toString(newShape));
        }
        return new Tensor(name, dtype, newShape.clone(), data);
    }

    /** The backing float[] of a heap F32 tensor, or {@code null} if storage is not a heap float array. */
    public float[] heapFloats() {
        if (dtype != DType.F32) return null;
        return data.heapBase().filter(o -> o instanceof float[]).map(o -> (float[]) o)
                .filter(a -> data.byteSize() == (long) a.length * Float.BYTES).orElse(null);
    }

    /** Element {@code i} of an F32 tensor (slow path, for tests and tools). */
    public float getF32(long i) {
        if (dtype != DType.F32) throw new IllegalStateException("tensor '" + name + "' is " + dtype + ", not F32");
        return data.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i);
    }

    @Override public String toString() {
        return name + ":" + dtype + Arrays.toString(shape);
    }
}
