package dev.minerva.engine;

import dev.minerva.backend.CpuBackend;
import dev.minerva.backend.ForwardingBackend;
import dev.minerva.model.ModelConfig;
import dev.minerva.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The dense cache's bookkeeping: slots per sequence, the context limit, and that freeing a sequence gives its tensors back. */
class DenseKvCacheTest {
    static final ModelConfig C = new ModelConfig(32, 64, 3, 4, 2, 64, 16, 10000, 1e-5, false, null);

    /** Passes every call to a CpuBackend and remembers which tensors were allocated and freed. */
    static final class Tracking extends ForwardingBackend {
        final Map<Tensor, Boolean> live = new IdentityHashMap<>();
        final List<Tensor> freed = new ArrayList<>();
        Tracking() { super(new CpuBackend(1)); }
        @Override public Tensor allocate(String name, long... shape) { Tensor t = inner.allocate(name, shape); live.put(t, true); return t; }
        @Override public void free(Tensor t) {
            assertNotNull(live.remove(t), "freed a tensor that is not live: " + t);
            freed.add(t);
        }
    }

    @Test void freeingASequenceGivesBackExactlyItsTensors() {
        try (Tracking b = new Tracking()) {
            DenseKvCache cache = new DenseKvCache(b, C, 8);
            assertEquals(0, cache.append(0, 3));
            assertEquals(0, cache.append(1, 2));
            assertEquals(3, cache.append(0, 1));
            assertEquals(4 * C.nLayers(), b.live.size(), "one key and one value tensor per layer and sequence");
            Tensor seq1Key0 = cache.view(0, 1).keys();

            cache.free(1);
            assertEquals(2 * C.nLayers(), b.freed.size());
            assertTrue(b.freed.stream().anyMatch(t -> t == seq1Key0), "sequence 1's layer-0 keys were freed");
            assertEquals(0, cache.length(1));
            assertEquals(4, cache.length(0), "the other sequence is untouched");
            assertThrows(IllegalArgumentException.class, () -> cache.view(0, 1));

            cache.free(1);                      // unknown now: nothing more to give back
            assertEquals(2 * C.nLayers(), b.freed.size());
            assertEquals(0, cache.append(1, 1), "a freed id starts again from slot 0 with fresh tensors");
            assertEquals(4 * C.nLayers(), b.live.size());
        }
    }

    @Test void appendPastTheCapacityNamesTheLimit() {
        try (Tracking b = new Tracking()) {
            DenseKvCache cache = new DenseKvCache(b, C, 4);
            cache.append(0, 4);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> cache.append(0, 1));
            assertTrue(e.getMessage().contains("4 of 4"), e.getMessage());
        }
    }
}
