package dev.minerva.backend.cuda;

import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.JCudaDriver;

import java.nio.charset.StandardCharsets;

/**
 * Everything one GPU session needs: the device's primary context (made current on the calling
 * thread), its {@link DeviceInfo}, the kernel modules for its compute capability, a device memory
 * pool and a main stream. One per process and device; close it to give the memory back.
 */
public final class CudaContext implements AutoCloseable {
    private final CUdevice device = new CUdevice();
    private final CUcontext context = new CUcontext();
    private final DeviceInfo info;
    private final KernelModules modules;
    private final DeviceMemoryPool pool;
    private final CudaStream stream;

    private CudaContext(int ordinal) {
        CudaRuntime.require();
        Cu.call("cuDeviceGet(" + ordinal + ")", () -> JCudaDriver.cuDeviceGet(device, ordinal));
        Cu.call("cuDevicePrimaryCtxRetain", () -> JCudaDriver.cuDevicePrimaryCtxRetain(context, device));
        bind();
        this.info = readInfo();
        this.modules = new KernelModules(info.ptxTarget());
        this.pool = new DeviceMemoryPool();
        this.stream = new CudaStream();
    }

    /**
     * Opens device {@code ordinal} (0 = first GPU).
     *
     * @throws CudaUnavailableException if there is no usable GPU (with the cached reason)
     */
    public static CudaContext open(int ordinal) { return new CudaContext(ordinal); }

    /** Makes this context current on the calling thread (cheap; call at every entry from another thread). */
    public void bind() { Cu.call("cuCtxSetCurrent", () -> JCudaDriver.cuCtxSetCurrent(context)); }

    private DeviceInfo readInfo() {
        byte[] name = new byte[256];
        Cu.call("cuDeviceGetName", () -> JCudaDriver.cuDeviceGetName(name, name.length, device));
        int len = 0;
        while (len < name.length && name[len] != 0) len++;
        long[] total = new long[1];
        Cu.call("cuDeviceTotalMem", () -> JCudaDriver.cuDeviceTotalMem(total, device));
        int[] driver = new int[1];
        Cu.call("cuDriverGetVersion", () -> JCudaDriver.cuDriverGetVersion(driver));
        return new DeviceInfo(new String(name, 0, len, StandardCharsets.US_ASCII),
                attr(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, "COMPUTE_CAPABILITY_MAJOR"),
                attr(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, "COMPUTE_CAPABILITY_MINOR"),
                attr(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, "MULTIPROCESSOR_COUNT"),
                total[0],
                attr(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE, "L2_CACHE_SIZE"),
                attr(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, "MAX_SHARED_MEMORY_PER_BLOCK_OPTIN"),
                driver[0]);
    }

    private int attr(int attribute, String what) {
        int[] v = new int[1];
        Cu.call("cuDeviceGetAttribute(" + what + ")", () -> JCudaDriver.cuDeviceGetAttribute(v, attribute, device));
        return v[0];
    }

    public DeviceInfo info() { return info; }
    public KernelModules modules() { return modules; }
    public Kernel kernel(String file, String entry) { return modules.kernel(file, entry); }
    public DeviceMemoryPool pool() { return pool; }
    public CudaStream stream() { return stream; }

    /** Free and total device memory in bytes ({@code cuMemGetInfo}). */
    public long[] memoryInfo() {
        long[] f = new long[1], t = new long[1];
        Cu.call("cuMemGetInfo", () -> JCudaDriver.cuMemGetInfo(f, t));
        return new long[]{f[0], t[0]};
    }

    // ---- copies (synchronous on the main stream unless stated) ----

    /** Host floats to device. */
    public void upload(DeviceBuffer dst, long dstOffset, float[] src, int from, int count, String what) {
        check(dst, dstOffset, 4L * count, what);
        Cu.call("cuMemcpyHtoD(" + what + ")", () -> JCudaDriver.cuMemcpyHtoD(dst.pointer(dstOffset),
                Pointer.to(src).withByteOffset(4L * from), 4L * count));
    }

    /** Host bytes to device. */
    public void upload(DeviceBuffer dst, long dstOffset, byte[] src, String what) {
        check(dst, dstOffset, src.length, what);
        Cu.call("cuMemcpyHtoD(" + what + ")", () -> JCudaDriver.cuMemcpyHtoD(dst.pointer(dstOffset), Pointer.to(src), src.length));
    }

    /** Host ints to device. */
    public void upload(DeviceBuffer dst, long dstOffset, int[] src, String what) {
        check(dst, dstOffset, 4L * src.length, what);
        Cu.call("cuMemcpyHtoD(" + what + ")", () -> JCudaDriver.cuMemcpyHtoD(dst.pointer(dstOffset), Pointer.to(src), 4L * src.length));
    }

    /** Device floats to host (waits for the main stream first). */
    public void download(float[] dst, int to, DeviceBuffer src, long srcOffset, int count, String what) {
        check(src, srcOffset, 4L * count, what);
        stream.synchronize("work before reading " + what);
        Cu.call("cuMemcpyDtoH(" + what + ")", () -> JCudaDriver.cuMemcpyDtoH(Pointer.to(dst).withByteOffset(4L * to),
                src.pointer(srcOffset), 4L * count));
    }

    /** Device ints to host (waits for the main stream first). */
    public void download(int[] dst, DeviceBuffer src, long srcOffset, String what) {
        check(src, srcOffset, 4L * dst.length, what);
        stream.synchronize("work before reading " + what);
        Cu.call("cuMemcpyDtoH(" + what + ")", () -> JCudaDriver.cuMemcpyDtoH(Pointer.to(dst), src.pointer(srcOffset), 4L * dst.length));
    }

    /** Device to device, queued on the main stream. */
    public void copy(DeviceBuffer dst, long dstOffset, DeviceBuffer src, long srcOffset, long bytes, String what) {
        check(dst, dstOffset, bytes, what);
        check(src, srcOffset, bytes, what);
        Cu.call("cuMemcpyDtoDAsync(" + what + ")", () -> JCudaDriver.cuMemcpyDtoDAsync(dst.pointer(dstOffset),
                src.pointer(srcOffset), bytes, stream.handle()));
    }

    /** Fills {@code count} 32-bit words with {@code bits} (e.g. a NaN pattern to poison outputs). */
    public void fill32(DeviceBuffer dst, long dstOffset, long count, int bits, String what) {
        check(dst, dstOffset, 4 * count, what);
        Cu.call("cuMemsetD32Async(" + what + ")", () -> JCudaDriver.cuMemsetD32Async(dst.pointer(dstOffset), bits, count, stream.handle()));
    }

    private static void check(DeviceBuffer b, long off, long bytes, String what) {
        if (off < 0 || bytes < 0 || off + bytes > b.bytes()) {
            throw new IndexOutOfBoundsException(what + ": " + bytes + " bytes at offset " + off + " outside " + b);
        }
    }

    public void synchronize(String afterWhat) { stream.synchronize(afterWhat); }

    @Override public void close() {
        bind();
        try {
            stream.synchronize("close");
        } finally {
            modules.close();
            pool.close();
            stream.close();
            Cu.call("cuDevicePrimaryCtxRelease", () -> JCudaDriver.cuDevicePrimaryCtxRelease(device));
        }
    }
}
