package dev.minerva.backend.cuda;

/** Device memory ran out; the message says what was being allocated, how much was asked and how much is free. */
public final class CudaOutOfMemoryException extends CudaCallException {
    private final long requested;
    private final long free;
    private final long total;

    public CudaOutOfMemoryException(String what, long requested, long free, long total) {
        super(String.format("out of GPU memory allocating %s: asked for %s, %s free of %s (after releasing cached blocks)",
                what, mib(requested), mib(free), mib(total)));
        this.requested = requested;
        this.free = free;
        this.total = total;
    }

    static String mib(long bytes) { return String.format("%.1f MiB", bytes / 1048576.0); }

    public long requested() { return requested; }
    public long free() { return free; }
    public long total() { return total; }
}
