package dev.minerva.backend.cuda;

import jcuda.driver.JCudaDriver;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A caching device allocator: freed buffers go to a free list by size class and are handed out again
 * without a {@code cuMemAlloc} (which synchronises the device and would break graph capture).
 * Size classes: powers of two from 256 B up to 1 MiB, then multiples of 2 MiB.
 * When the device is full, cached blocks are released and the allocation retried once; if it still
 * fails, {@link CudaOutOfMemoryException} says what, how much was asked and how much is free.
 * Not thread-safe: one pool per {@link CudaContext}, used from the thread that owns it.
 */
public final class DeviceMemoryPool implements AutoCloseable {
    private final TreeMap<Long, ArrayDeque<DevicePointer>> free = new TreeMap<>();
    private final Map<Long, DeviceBuffer> live = new HashMap<>();
    private long bytesInUse, bytesCached, peak;

    /** The reserved size for a request of {@code bytes}. */
    static long sizeClass(long bytes) {
        if (bytes <= 0) return 256;
        if (bytes <= (1L << 20)) return Math.max(256, Long.highestOneBit(bytes - 1) << 1);
        long two = 2L << 20;
        return (bytes + two - 1) / two * two;
    }

    /**
     * A buffer of at least {@code bytes} bytes (contents undefined).
     *
     * @param what what it will hold, for error messages ("layers.3.wq", "kv cache")
     * @throws CudaOutOfMemoryException if the device cannot provide it
     */
    public DeviceBuffer allocate(long bytes, String what) {
        if (bytes < 0) throw new IllegalArgumentException("negative allocation " + bytes + " for " + what);
        long cls = sizeClass(bytes);
        DevicePointer p = null;
        ArrayDeque<DevicePointer> q = free.get(cls);
        if (q != null && !q.isEmpty()) {
            p = q.pop();
            bytesCached -= cls;
        } else {
            p = new DevicePointer();
            try {
                alloc(p, cls, what);
            } catch (CudaCallException e) {
                if (!Cu.isOutOfMemory(e)) throw e;
                releaseCached();
                try {
                    alloc(p, cls, what);
                } catch (CudaCallException e2) {
                    if (!Cu.isOutOfMemory(e2)) throw e2;
                    long[] fr = new long[1], tot = new long[1];
                    Cu.call("cuMemGetInfo", () -> JCudaDriver.cuMemGetInfo(fr, tot));
                    throw new CudaOutOfMemoryException(what, cls, fr[0], tot[0]);
                }
            }
        }
        DeviceBuffer b = new DeviceBuffer(p, bytes, cls, what);
        live.put(b.address(), b);
        bytesInUse += cls;
        peak = Math.max(peak, bytesInUse);
        return b;
    }

    private static void alloc(DevicePointer p, long bytes, String what) {
        Cu.call("cuMemAlloc(" + bytes + " bytes for " + what + ")", () -> JCudaDriver.cuMemAlloc(p, bytes));
    }

    /** Returns a buffer to the cache. */
    public void free(DeviceBuffer b) {
        // identity, not address: a view of a live buffer's first bytes has its address and must not free it
        if (live.get(b.address()) != b) throw new IllegalStateException("buffer " + b + " is not live in this pool (freed twice, or a view)");
        live.remove(b.address());
        bytesInUse -= b.capacity();
        bytesCached += b.capacity();
        free.computeIfAbsent(b.capacity(), k -> new ArrayDeque<>()).push(b.devicePointer());
    }

    /** The live buffer that contains device address {@code address}, or {@code null}. */
    public DeviceBuffer find(long address) {
        DeviceBuffer b = live.get(address);
        if (b != null) return b;
        for (DeviceBuffer x : live.values()) if (address >= x.address() && address < x.address() + x.bytes()) return x;
        return null;
    }

    /** Frees every cached (unused) block back to the driver. */
    public void releaseCached() {
        for (var e : free.entrySet()) {
            for (DevicePointer p : e.getValue()) Cu.call("cuMemFree", () -> JCudaDriver.cuMemFree(p));
        }
        free.clear();
        bytesCached = 0;
    }

    public long bytesInUse() { return bytesInUse; }
    public long bytesCached() { return bytesCached; }
    public long peakBytes() { return peak; }

    /** Frees everything, live buffers included. */
    @Override public void close() {
        releaseCached();
        for (DeviceBuffer b : live.values()) Cu.call("cuMemFree(" + b.what() + ")", () -> JCudaDriver.cuMemFree(b.devicePointer()));
        live.clear();
        bytesInUse = 0;
    }
}
