package dev.minerva.backend;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.*;

/** Every index runs exactly once, whatever the chunking, thread timing or parking; failures reach the caller. */
class WorkerPoolTest {

    @Test void everyIndexExactlyOnce() {
        for (int threads : new int[]{1, 2, 3, 5}) {
            try (WorkerPool pool = new WorkerPool(threads)) {
                for (int n : new int[]{0, 1, 2, 7, 12, 100, 4097}) {
                    for (int grain : new int[]{1, 3, 64, 10_000}) {
                        AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(1, n));
                        pool.forRange(n, grain, (s, e) -> {
                            assertTrue(0 <= s && s < e && e <= n, "chunk [" + s + ", " + e + ") outside [0, " + n + ")");
                            for (int i = s; i < e; i++) hits.incrementAndGet(i);
                        });
                        for (int i = 0; i < n; i++) assertEquals(1, hits.get(i), "threads " + threads + ", n " + n + ", grain " + grain + ": index " + i);
                    }
                }
            }
        }
    }

    @Test void parkedWorkersWakeAndSlowChunksAreWaitedFor() {
        try (WorkerPool pool = new WorkerPool(2)) {
            for (int round = 0; round < 20; round++) {
                if (round % 5 == 0) LockSupport.parkNanos(1_000_000);    // past the spin window: the worker parks
                AtomicIntegerArray hits = new AtomicIntegerArray(64);
                pool.forRange(64, 1, (s, e) -> {
                    if (s == 0) LockSupport.parkNanos(200_000);           // one slow chunk
                    for (int i = s; i < e; i++) hits.incrementAndGet(i);
                });
                for (int i = 0; i < 64; i++) assertEquals(1, hits.get(i), "round " + round + " index " + i);
            }
        }
    }

    @Test void theFirstFailureReachesTheCaller() {
        try (WorkerPool pool = new WorkerPool(2)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.forRange(100, 1, (s, t) -> {
                if (s <= 50 && 50 < t) throw new IllegalStateException("chunk with 50");
            }));
            assertEquals("chunk with 50", e.getMessage());
            int[] sum = new int[1];
            pool.forRange(10, 100, (s, t) -> sum[0] += t - s);          // the pool still works afterwards
            assertEquals(10, sum[0]);
        }
    }
}
