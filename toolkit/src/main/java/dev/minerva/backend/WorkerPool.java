package dev.minerva.backend;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed pool of worker threads that splits an index range into one contiguous chunk per thread;
 * the calling thread runs the first chunk itself, so {@code threads} cores are busy and no more.
 * Workers spin briefly between jobs before parking: a decode step issues ~100 small parallel ops,
 * and waking parked threads for each would cost more than the ops themselves.
 */
public final class WorkerPool implements AutoCloseable {

    /** Body of a parallel loop over {@code [start, end)}. */
    @FunctionalInterface
    public interface RangeBody { void run(int start, int end); }

    private static final long SPIN_NANOS = 200_000;

    private final int threads;
    private final Thread[] workers;
    private final boolean[] parked;
    private volatile int generation;
    private volatile boolean closed;
    private volatile RangeBody body;
    private volatile int n, chunks;
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    /** A pool using {@code threads} cores (the caller plus {@code threads - 1} daemon workers). */
    public WorkerPool(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1: " + threads);
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        this.parked = new boolean[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            int chunk = i + 1;
            workers[i] = new Thread(() -> loop(chunk), "minerva-cpu-" + chunk);
            workers[i].setDaemon(true);
            workers[i].start();
        }
    }

    public int threads() { return threads; }

    private void loop(int chunk) {
        int seen = 0;
        while (true) {
            long spinStart = System.nanoTime();
            int spins = 0;
            while (generation == seen && !closed) {
                if ((++spins & 63) != 0 || System.nanoTime() - spinStart < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    synchronized (parked) { parked[chunk - 1] = true; }
                    if (generation == seen && !closed) LockSupport.park(this);
                    synchronized (parked) { parked[chunk - 1] = false; }
                    spinStart = System.nanoTime();
                }
            }
            if (closed) return;
            seen = generation;
            try {
                if (chunk < chunks) runChunk(body, chunk);
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            } finally {
                pending.decrementAndGet();
            }
        }
    }

    private void runChunk(RangeBody b, int c) {
        int start = (int) ((long) n * c / chunks), end = (int) ((long) n * (c + 1) / chunks);
        if (start < end) b.run(start, end);
    }

    /**
     * Runs {@code body} over {@code [0, n)} split into at most {@code threads} chunks of at least
     * {@code grain} indices each; returns when all are done (rethrowing the first failure).
     * Not reentrant: one caller at a time.
     */
    public synchronized void forRange(int n, int grain, RangeBody body) {
        int c = Math.min(threads, Math.max(1, n / Math.max(1, grain)));
        if (c <= 1) {
            body.run(0, n);
            return;
        }
        this.body = body;
        this.n = n;
        this.chunks = c;
        failure.set(null);
        pending.set(workers.length);
        generation++;
        synchronized (parked) {
            for (int i = 0; i < workers.length; i++) if (parked[i]) LockSupport.unpark(workers[i]);
        }
        Throwable mine = null;
        try {
            runChunk(body, 0);
        } catch (Throwable t) {
            mine = t;
        }
        int spins = 0;
        while (pending.get() > 0) {
            if (++spins < 1 << 12) Thread.onSpinWait();
            else Thread.yield();
        }
        this.body = null;
        Throwable f = mine != null ? mine : failure.get();
        if (f instanceof RuntimeException re) throw re;
        if (f instanceof Error er) throw er;
        if (f != null) throw new IllegalStateException(f);
    }

    @Override public void close() {
        closed = true;
        for (Thread w : workers) LockSupport.unpark(w);
    }
}
