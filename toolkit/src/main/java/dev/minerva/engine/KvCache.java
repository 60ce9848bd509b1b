package dev.minerva.engine;

import dev.minerva.tensor.Tensor;

/**
 * Key/value cache for many sequences, addressed by sequence id. A forward pass first calls
 * {@link #append} once per sequence to reserve slots for its new tokens, then per layer
 * {@link #write}s the new keys/values and reads them back through {@link #view}: attention only ever
 * sees the view, so a wrapper may quantise, project, decode or evict behind it.
 *
 * <p>Slots are storage order (0..length-1); positions (for RoPE) are the batch's business.
 */
public interface KvCache {

    /** Slots one sequence can hold (the context limit). */
    int capacity();

    /** Slots now used by {@code seqId} (0 for an unknown sequence). */
    int length(int seqId);

    /**
     * Reserves {@code n} new slots at the end of {@code seqId} (allocating the sequence on first use).
     *
     * @return the first reserved slot
     * @throws IllegalStateException if the sequence would exceed {@link #capacity()}
     */
    int append(int seqId, int n);

    /**
     * Stores keys and values of {@code rows} batch rows starting at {@code row} into slots
     * {@code slot..slot+rows} of layer {@code layer}: k, v (T, kvDim) backend activations.
     */
    void write(int layer, int seqId, int slot, Tensor k, int row, int rows, Tensor v);

    /** The keys/values of {@code seqId} at {@code layer} as attention should read them. */
    KvView view(int layer, int seqId);

    /** Forgets slots from {@code length} on (rejected speculative tokens, rewinds). */
    void truncate(int seqId, int length);

    /** Releases a sequence. */
    void free(int seqId);
}
