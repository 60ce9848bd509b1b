package dev.minerva.backend.cuda;

import jcuda.driver.CUdeviceptr;

/**
 * One allocation from a {@link DeviceMemoryPool}: {@code bytes} usable bytes at device address {@link #address()}
 * (the pool may have reserved more, {@link #capacity()}).
 */
public final class DeviceBuffer {
    private final DevicePointer ptr;
    private final long bytes;
    private final long capacity;
    private final String what;

    DeviceBuffer(DevicePointer ptr, long bytes, long capacity, String what) {
        this.ptr = ptr;
        this.bytes = bytes;
        this.capacity = capacity;
        this.what = what;
    }

    /** The pointer for driver calls and kernel arguments. */
    public CUdeviceptr pointer() { return ptr; }

    /** The pointer {@code offset} bytes in. */
    public CUdeviceptr pointer(long offset) {
        if (offset < 0 || offset > bytes) throw new IndexOutOfBoundsException("offset " + offset + " outside " + what + " (" + bytes + " bytes)");
        return ptr.withByteOffset(offset);
    }

    public long address() { return ptr.address(); }
    public long bytes() { return bytes; }
    long capacity() { return capacity; }
    DevicePointer devicePointer() { return ptr; }

    /**
     * {@code bytes} bytes of this buffer from {@code offset}, as a buffer of their own (a slot of a cache, say). A view
     * is not the pool's: {@link DeviceMemoryPool#free} refuses it, and it is valid while this buffer is.
     */
    DeviceBuffer view(long offset, long bytes, String what) {
        if (offset < 0 || bytes < 0 || offset + bytes > this.bytes) {
            throw new IndexOutOfBoundsException("view [" + offset + ", " + (offset + bytes) + ") outside " + this);
        }
        return new DeviceBuffer(ptr.at(offset), bytes, bytes, what);
    }

    /** What the buffer holds (for error messages). */
    public String what() { return what; }

    @Override public String toString() { return what + "@0x" + Long.toHexString(address()) + "[" + bytes + "]"; }
}
