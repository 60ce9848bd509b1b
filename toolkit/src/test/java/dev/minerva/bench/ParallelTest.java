package dev.minerva.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The probes' timer: the reported time must cover every task from its start to its end, even when the
 * tasks occupy every core (the calling thread used to read the clock after the barrier and, preempted
 * until the tasks had finished, reported bandwidths several times too high).
 */
class ParallelTest {
    /** Busy work of at least {@code nanos}; returns the nanoseconds it actually ran. */
    private static double spin(long nanos) {
        long t0 = System.nanoTime(), t;
        do { t = System.nanoTime(); } while (t - t0 < nanos);
        return t - t0;
    }

    @Test void timeCoversTheLongestTaskEvenWithEveryCoreBusy() {
        int threads = Runtime.getRuntime().availableProcessors() + 1;   // more tasks than cores
        for (int round = 0; round < 5; round++) {
            double[] r = Parallel.timed(threads, t -> spin(20_000_000L));
            assertTrue(r[0] >= 0.020, "round " + round + ": " + r[0] * 1e3 + " ms reported for tasks that each ran 20 ms");
            assertTrue(r[1] >= threads * 20e6, "sum of the tasks' results");
        }
    }

    @Test void aFailingTaskIsReported() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Parallel.timed(2, t -> { if (t == 1) throw new ArithmeticException("boom"); return 0; }));
        assertInstanceOf(ArithmeticException.class, e.getCause());
    }
}
