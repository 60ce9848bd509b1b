package dev.minerva.backend;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed pool of worker threads for parallel loops over an index range. The range is cut into a
 * few contiguous chunks per thread and every thread, the caller included, claims chunks from a
 * shared counter until none are left: a thread that starts late (woken from a park, preempted by
 * the JIT on a 2-core machine) or runs slower simply claims fewer chunks, instead of the others
 * waiting for its fixed share. Chunks stay contiguous so each thread streams its weight rows in order.
 * Workers spin briefly between jobs before parking: a decode step issues ~100 small parallel ops,
 * and waking parked threads for each would cost more than the ops themselves.
 */
public final class WorkerPool implements AutoCloseable {

    /** Body of a parallel loop over {@code [start, end)}. */
    @FunctionalInterface
    public interface RangeBody { void run(int start, int end); }

    private static final long SPIN_NANOS = 200_000;
    /** Chunks per thread: enough to even out a late or slow thread, few enough to keep chunks long. */
    private static final int CHUNKS_PER_THREAD = 4;

    /** One call of {@link #forRange}: its chunks are claimed through {@code next}. */
    private static final class Job {
        final RangeBody body;
        final int n, chunks;
        final AtomicInteger next = new AtomicInteger();
        /** Workers inside this job; a worker joins before claiming, so "all claimed and none inside" means done. */
        final AtomicInteger inside = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        Job(RangeBody body, int n, int chunks) { this.body = body; this.n = n; this.chunks = chunks; }

        /** Runs chunks until none are left. */
        void work() {
            for (int c; (c = next.getAndIncrement()) < chunks; ) {
                int start = (int) ((long) n * c / chunks), end = (int) ((long) n * (c + 1) / chunks);
                try {
                    if (start < end) body.run(start, end);
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }
        }

        boolean done() { return next.get() >= chunks && inside.get() == 0; }
    }

    private final int threads;
    private final Thread[] workers;
    private final boolean[] parked;
    private volatile Job current;
    private volatile boolean closed;

    /** A pool using {@code threads} cores (the caller plus {@code threads - 1} daemon workers). */
    public WorkerPool(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1: " + threads);
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        this.parked = new boolean[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            int id = i;
            workers[i] = new Thread(() -> loop(id), "minerva-cpu-" + (i + 1));
            workers[i].setDaemon(true);
            workers[i].start();
        }
    }

    public int threads() { return threads; }

    private void loop(int id) {
        Job seen = null;
        while (true) {
            long spinStart = System.nanoTime();
            int spins = 0;
            while (current == seen && !closed) {
                if ((++spins & 63) != 0 || System.nanoTime() - spinStart < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    synchronized (parked) { parked[id] = true; }
                    if (current == seen && !closed) LockSupport.park(this);
                    synchronized (parked) { parked[id] = false; }
                    spinStart = System.nanoTime();
                }
            }
            if (closed) return;
            Job job = current;
            seen = job;
            job.inside.incrementAndGet();
            try {
                job.work();
            } finally {
                job.inside.decrementAndGet();
            }
        }
    }

    /**
     * Runs {@code body} over {@code [0, n)} in chunks of at least {@code grain} indices (at most
     * {@value #CHUNKS_PER_THREAD} per thread); returns when all are done, rethrowing the first
     * failure (an empty range runs nothing). Not reentrant: one caller at a time, and {@code body} must not call back into the pool.
     */
    public synchronized void forRange(int n, int grain, RangeBody body) {
        if (n <= 0) return;
        int chunks = Math.min(threads * CHUNKS_PER_THREAD, Math.max(1, n / Math.max(1, grain)));
        if (threads == 1 || chunks <= 1) {
            body.run(0, n);
            return;
        }
        Job job = new Job(body, n, chunks);
        current = job;
        synchronized (parked) {
            for (int i = 0; i < workers.length; i++) if (parked[i]) LockSupport.unpark(workers[i]);
        }
        job.work();
        int spins = 0;
        while (!job.done()) {
            if (++spins < 1 << 12) Thread.onSpinWait();
            else Thread.yield();
        }
        Throwable f = job.failure.get();
        if (f instanceof RuntimeException re) throw re;
        if (f instanceof Error er) throw er;
        if (f != null) throw new IllegalStateException(f);
    }

    @Override public void close() {
        closed = true;
        for (Thread w : workers) LockSupport.unpark(w);
    }
}
