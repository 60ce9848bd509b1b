package dev.minerva.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.function.IntToDoubleFunction;

/**
 * Runs one task per thread, all released together by a barrier, and times them from the first
 * task's start to the last task's end: the wall time a multi-threaded kernel takes. Each task reads
 * the clock itself. Timing from the calling thread would be wrong when the tasks use every core:
 * the caller, released by the same barrier, may not run again until the tasks are done, and its
 * late start time made a 64 MiB two-thread triad read 50 GB/s and a read stream 3,600 GB/s.
 * Platform threads, created per call (microseconds, negligible against the tens of milliseconds a
 * probe pass takes).
 */
final class Parallel {
    private Parallel() {}

    /** Runs {@code task(t)} on {@code threads} threads at once; returns {seconds, sum of task results}. */
    static double[] timed(int threads, IntToDoubleFunction task) {
        CyclicBarrier start = new CyclicBarrier(threads + 1);
        double[] results = new double[threads];
        long[] begin = new long[threads], end = new long[threads];
        List<Thread> ts = new ArrayList<>();
        Throwable[] failure = new Throwable[1];
        for (int t = 0; t < threads; t++) {
            final int id = t;
            Thread th = new Thread(() -> {
                try {
                    start.await();
                    begin[id] = System.nanoTime();
                    results[id] = task.applyAsDouble(id);
                    end[id] = System.nanoTime();
                } catch (Throwable e) {
                    synchronized (failure) { failure[0] = e; }
                }
            }, "probe-" + t);
            th.start();
            ts.add(th);
        }
        try {
            start.await();
            for (Thread th : ts) th.join();
            if (failure[0] != null) throw new IllegalStateException("probe thread failed", failure[0]);
            long first = Long.MAX_VALUE, last = Long.MIN_VALUE;
            double sum = 0;
            for (int t = 0; t < threads; t++) {
                first = Math.min(first, begin[t]);
                last = Math.max(last, end[t]);
                sum += results[t];
            }
            return new double[]{(last - first) * 1e-9, sum};
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (java.util.concurrent.BrokenBarrierException e) {
            throw new IllegalStateException(e);
        }
    }
}
