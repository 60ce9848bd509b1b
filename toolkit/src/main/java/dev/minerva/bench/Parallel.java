package dev.minerva.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.function.IntToDoubleFunction;

/**
 * Runs one task per thread, all released together by a barrier, and times the slowest: the
 * wall time a multi-threaded kernel takes. Platform threads, created per call (microseconds,
 * negligible against the tens of milliseconds a probe pass takes).
 */
final class Parallel {
    private Parallel() {}

    /** Runs {@code task(t)} on {@code threads} threads at once; returns {seconds, sum of task results}. */
    static double[] timed(int threads, IntToDoubleFunction task) {
        CyclicBarrier start = new CyclicBarrier(threads + 1);
        double[] results = new double[threads];
        List<Thread> ts = new ArrayList<>();
        Throwable[] failure = new Throwable[1];
        for (int t = 0; t < threads; t++) {
            final int id = t;
            Thread th = new Thread(() -> {
                try {
                    start.await();
                    results[id] = task.applyAsDouble(id);
                } catch (Throwable e) {
                    synchronized (failure) { failure[0] = e; }
                }
            }, "probe-" + t);
            th.start();
            ts.add(th);
        }
        try {
            start.await();
            long t0 = System.nanoTime();
            for (Thread th : ts) th.join();
            long t1 = System.nanoTime();
            if (failure[0] != null) throw new IllegalStateException("probe thread failed", failure[0]);
            double sum = 0;
            for (double r : results) sum += r;
            return new double[]{(t1 - t0) * 1e-9, sum};
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (java.util.concurrent.BrokenBarrierException e) {
            throw new IllegalStateException(e);
        }
    }
}
