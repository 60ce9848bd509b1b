package dev.minerva.engine;

import dev.minerva.backend.Backend;
import dev.minerva.model.ModelConfig;
import dev.minerva.tensor.Tensor;

import java.util.HashMap;
import java.util.Map;

/**
 * The plain cache: per sequence and layer one F32 key and one value tensor of (capacity, kvDim),
 * allocated by the backend on a sequence's first {@link #append}.
 *
 * <pre>
 * keyCache   (nLayers, capacity, kvDim) per sequence
 * valueCache (nLayers, capacity, kvDim) per sequence
 * </pre>
 */
public final class DenseKvCache implements KvCache {
    private final Backend backend;
    private final int nLayers, kvDim, capacity;
    private final Map<Integer, Sequence> sequences = new HashMap<>();

    private static final class Sequence {
        final Tensor[] keyCache, valueCache;
        int length;
        Sequence(int n) { keyCache = new Tensor[n]; valueCache = new Tensor[n]; }
    }

    /** A cache for {@code config} holding up to {@code capacity} slots per sequence. */
    public DenseKvCache(Backend backend, ModelConfig config, int capacity) {
        if (capacity <= 0) throw new IllegalArgumentException("KV cache capacity must be positive: " + capacity);
        this.backend = backend;
        this.nLayers = config.nLayers();
        this.kvDim = config.kvDim();
        this.capacity = capacity;
    }

    /** A cache as long as the model's context. */
    public DenseKvCache(Backend backend, ModelConfig config) { this(backend, config, config.seqLen()); }

    @Override public int capacity() { return capacity; }

    @Override public int length(int seqId) {
        Sequence s = sequences.get(seqId);
        return s == null ? 0 : s.length;
    }

    @Override public int append(int seqId, int n) {
        Sequence s = sequences.computeIfAbsent(seqId, id -> {
            Sequence q = new Sequence(nLayers);
            for (int l = 0; l < nLayers; l++) {
                q.keyCache[l] = backend.allocate("keyCache." + id + "." + l, capacity, kvDim);
                q.valueCache[l] = backend.allocate("valueCache." + id + "." + l, capacity, kvDim);
            }
            return q;
        });
        if (n < 0 || s.length + n > capacity) {
            throw new IllegalStateException("sequence " + seqId + " has " + s.length + " of " + capacity
                    + " KV slots; cannot add " + n + " (context limit)");
        }
        int first = s.length;
        s.length += n;
        return first;
    }

    @Override public void write(int layer, int seqId, int slot, Tensor k, int row, int rows, Tensor v) {
        Sequence s = seq(seqId);
        backend.copyRows(s.keyCache[layer], slot, k, row, rows);
        backend.copyRows(s.valueCache[layer], slot, v, row, rows);
    }

    @Override public KvView view(int layer, int seqId) {
        Sequence s = seq(seqId);
        return new KvView(s.keyCache[layer], s.valueCache[layer], s.length);
    }

    @Override public void truncate(int seqId, int length) {
        Sequence s = seq(seqId);
        if (length < 0 || length > s.length) throw new IllegalArgumentException("cannot truncate sequence " + seqId + " of length " + s.length + " to " + length);
        s.length = length;
    }

    /** Forgets the sequence and gives its key and value tensors back to the backend (device memory on a GPU). */
    @Override public void free(int seqId) {
        Sequence s = sequences.remove(seqId);
        if (s == null) return;
        for (int l = 0; l < nLayers; l++) {
            backend.free(s.keyCache[l]);
            backend.free(s.valueCache[l]);
        }
    }

    private Sequence seq(int seqId) {
        Sequence s = sequences.get(seqId);
        if (s == null) throw new IllegalArgumentException("unknown sequence " + seqId);
        return s;
    }
}
