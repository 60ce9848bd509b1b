package dev.minerva.backend;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ExecutionException;

/**
 * A fixed pool of worker threads that splits an index range into one contiguous chunk per thread;
 * the calling thread runs the first chunk itself, so {@code threads} cores are busy and no more.
 */
public final class WorkerPool implements AutoCloseable {

    /** Body of a parallel loop over {@code [start, end)}. */
    @FunctionalInterface
    public interface RangeBody { void run(int start, int end); }

    private final int threads;
    private final ExecutorService executor;

    /** A pool using {@code threads} cores (the caller plus {@code threads - 1} daemon workers). */
    public WorkerPool(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1: " + threads);
        this.threads = threads;
        this.executor = threads == 1 ? null : Executors.newFixedThreadPool(threads - 1, r -> {
            Thread t = new Thread(r, "minerva-cpu-worker");
            t.setDaemon(true);
            return t;
        });
    }

    public int threads() { return threads; }

    /**
     * Runs {@code body} over {@code [0, n)} split into at most {@code threads} chunks of at least
     * {@code grain} indices each; returns when all are done (rethrowing the first failure).
     */
    public void forRange(int n, int grain, RangeBody body) {
        int chunks = Math.min(threads, Math.max(1, n / Math.max(1, grain)));
        if (chunks <= 1 || executor == null) {
            body.run(0, n);
            return;
        }
        @SuppressWarnings("unchecked") Future<?>[] futures = new Future<?>[chunks - 1];
        for (int c = 1; c < chunks; c++) {
            int start = (int) ((long) n * c / chunks), end = (int) ((long) n * (c + 1) / chunks);
            futures[c - 1] = executor.submit(() -> body.run(start, end));
        }
        Throwable failure = null;
        try {
            body.run(0, (int) ((long) n / chunks));
        } catch (Throwable t) {
            failure = t;
        }
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (failure == null) failure = e.getCause();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (failure == null) failure = e;
            }
        }
        if (failure instanceof RuntimeException re) throw re;
        if (failure instanceof Error er) throw er;
        if (failure != null) throw new IllegalStateException(failure);
    }

    @Override public void close() {
        if (executor != null) executor.shutdownNow();
    }
}
