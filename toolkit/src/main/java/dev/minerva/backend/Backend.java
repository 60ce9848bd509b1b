package dev.minerva.backend;

import dev.minerva.tensor.DType;
import dev.minerva.tensor.Tensor;

/**
 * The ops the forward pass needs, and nothing else. Activations are backend-owned F32 tensors made by
 * {@link #allocate}: on the CPU they are heap {@code float[]}, on a GPU device memory, so callers never
 * touch their floats except through {@link #read}/{@link #write}. Weights go through {@link #load}
 * once (the CPU keeps their bytes where they are, a mapped file's as a native view of the same bytes; a GPU
 * uploads them).
 *
 * <p>Shapes: {@code T} = rows of a ragged batch (all tokens of all sequences), {@code dim} = model
 * width, matrices are row-major {@code (out, in)} as in llama2.c. Every op writes its first argument.
 */
public interface Backend extends AutoCloseable {

    /** Op families a backend may or may not support for a given weight dtype. */
    enum Op { EMBEDDING, MATMUL, RMSNORM, ROPE, ATTENTION, SILU_MUL, ADD, COPY_ROWS }

    /** Short name ({@code cpu}, {@code cuda}). */
    String name();

    /** Whether {@code op} is implemented for weights (or cache entries) of {@code dtype}. */
    boolean supports(Op op, DType dtype);

    /** A zero-filled F32 activation tensor of {@code shape}, owned by this backend. */
    Tensor allocate(String name, long... shape);

    /**
     * Gives back a tensor this backend allocated or loaded (a finished sequence's KV cache, a model being
     * unloaded); the tensor must not be used afterwards. On the CPU tensors are heap arrays the garbage
     * collector reclaims, so the default does nothing; device backends return the memory to their pool.
     * Decorators must forward it.
     */
    default void free(Tensor t) {}

    /** A weight tensor in a form this backend can compute with (may be {@code weight} itself). */
    Tensor load(Tensor weight);

    /** Copies host floats into the first {@code src.length} elements of an activation tensor. */
    void write(Tensor dst, float[] src);

    /** Copies {@code rows} rows starting at {@code row} of a 2-D activation tensor to the host. */
    float[] read(Tensor src, int row, int rows);

    /** All of an activation tensor, on the host. */
    default float[] read(Tensor src) { return read(src, 0, (int) src.rows()); }

    /** {@code out[t] = table[tokens[t]]}: out (T, dim), table (vocab, dim) of any supported dtype. */
    void embedding(Tensor out, Tensor table, int[] tokens);

    /** {@code out[t] = x[t] / rms(x[t]) * weight}: out, x (T, dim) (may alias), weight (dim). */
    void rmsnorm(Tensor out, Tensor x, Tensor weight, float eps);

    /** {@code out[t][o] = sum_i w[o][i] * x[t][i]}: out (T, outDim), x (T, inDim), w (outDim, inDim) of any supported dtype. */
    void matmul(Tensor out, Tensor x, Tensor w);

    /**
     * Several matmuls of one input: {@code outs[i] = x . ws[i]^T} (q/k/v, or the gate and up projections).
     * The same as calling {@link #matmul} for each; a backend may run them as one op (one activation
     * quantisation, one parallel dispatch).
     */
    default void matmuls(Tensor[] outs, Tensor x, Tensor... ws) {
        if (outs.length != ws.length) throw new IllegalArgumentException("matmuls: " + outs.length + " outputs for " + ws.length + " weights");
        for (int i = 0; i < ws.length; i++) matmul(outs[i], x, ws[i]);
    }

    /**
     * Rotary position embedding in place on adjacent pairs {@code (x[2i], x[2i+1])} of every head
     * (llama2.c layout): x (T, nHeads * headSize), {@code positions[t]} the position of row t,
     * {@code invFreq} (headSize / 2) the per-pair angular frequencies.
     */
    void rope(Tensor x, int[] positions, int headSize, float[] invFreq);

    /**
     * Multi-head attention of {@code rows} query rows starting at row {@code rowStart} over one
     * sequence's cached keys and values (grouped-query: query head h reads kv head {@code h / (nHeads/nKvHeads)}).
     * The query rows are the last {@code rows} of the {@code kvLength} cache slots; {@code mask} says
     * which slots each may see.
     *
     * @param out    (T, nHeads * headSize), rows {@code rowStart..rowStart+rows} written
     * @param q      (T, nHeads * headSize)
     * @param keys   (capacity, nKvHeads * headSize), the first {@code kvLength} rows valid
     * @param values (capacity, nKvHeads * headSize)
     */
    void attention(Tensor out, Tensor q, int rowStart, int rows, Tensor keys, Tensor values, int kvLength,
                   AttentionMask mask, int nHeads, int nKvHeads, int headSize);

    /** SwiGLU: {@code gate = silu(gate) * up}, both (T, hidden). */
    void siluMul(Tensor gate, Tensor up);

    /** Residual: {@code x += y}, both (T, dim). */
    void add(Tensor x, Tensor y);

    /** Copies {@code rows} rows of equal width from {@code src} (from {@code srcRow}) to {@code dst} (at {@code dstRow}). */
    void copyRows(Tensor dst, int dstRow, Tensor src, int srcRow, int rows);

    /** Releases threads and memory; tensors made by this backend are invalid afterwards. */
    @Override void close();
}
