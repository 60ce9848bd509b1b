package dev.minerva.backend.cuda;

import jcuda.Pointer;
import jcuda.driver.JCudaDriver;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Page-locked host memory ({@code cuMemAllocHost}): copies from and to it run asynchronously at full
 * PCIe/NVLink speed. Used for the per-step token ids, positions and logits.
 */
public final class PinnedHostBuffer implements AutoCloseable {
    private final Pointer ptr = new Pointer();
    private final long bytes;
    private final ByteBuffer buffer;

    public PinnedHostBuffer(long bytes) {
        if (bytes <= 0 || bytes > Integer.MAX_VALUE) throw new IllegalArgumentException("pinned buffer size " + bytes);
        this.bytes = bytes;
        Cu.call("cuMemAllocHost(" + bytes + " bytes)", () -> JCudaDriver.cuMemAllocHost(ptr, bytes));
        this.buffer = ptr.getByteBuffer(0, bytes).order(ByteOrder.nativeOrder());
    }

    public Pointer pointer() { return ptr; }
    public long bytes() { return bytes; }

    /** A native-order view of the whole buffer. */
    public ByteBuffer buffer() { return buffer; }

    @Override public void close() { Cu.call("cuMemFreeHost", () -> JCudaDriver.cuMemFreeHost(ptr)); }
}
