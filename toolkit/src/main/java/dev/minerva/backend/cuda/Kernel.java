package dev.minerva.backend.cuda;

import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;
import jcuda.driver.JCudaDriver;

/**
 * One {@code extern "C"} entry point of a loaded PTX module. {@link #launch} packs Java arguments the
 * way the kernel declares them: {@link DeviceBuffer}/{@link jcuda.driver.CUdeviceptr} as pointers,
 * {@code Integer} as int, {@code Long} as long long, {@code Float} as float.
 *
 * <p>Launch errors name the kernel. Faults inside a kernel surface asynchronously at the next
 * synchronisation; with {@code -Dminerva.cuda.sync=true} every launch is followed by a synchronise so
 * that such a fault, too, names the kernel that caused it (slow; for debugging and gpu-check).
 */
public final class Kernel {
    static final boolean SYNC_EACH_LAUNCH = Boolean.getBoolean("minerva.cuda.sync");

    private final String file;
    private final String name;
    private final CUfunction function;

    Kernel(String file, String name, CUfunction function) {
        this.file = file;
        this.name = name;
        this.function = function;
    }

    public String name() { return name; }

    /** {@code file.cu:name}, as errors print it. */
    public String qualifiedName() { return file + ".cu:" + name; }

    /** Lets the kernel use more than 48 KB of dynamic shared memory. */
    public void setMaxDynamicSharedMemory(int bytes) {
        Cu.call("cuFuncSetAttribute(" + qualifiedName() + ", MAX_DYNAMIC_SHARED_SIZE_BYTES=" + bytes + ")",
                () -> JCudaDriver.cuFuncSetAttribute(function, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes));
    }

    /** Launches on a 1-D grid. */
    public void launch1d(CudaStream stream, int grid, int block, Object... args) {
        launch(stream, grid, 1, 1, block, 0, args);
    }

    /**
     * Launches with grid {@code (gx, gy, gz)}, {@code block} threads (1-D blocks) and {@code smem} bytes
     * of dynamic shared memory.
     *
     * @throws CudaCallException naming this kernel and the grid if the launch is rejected
     */
    public void launch(CudaStream stream, int gx, int gy, int gz, int block, int smem, Object... args) {
        if (gx <= 0 || gy <= 0 || gz <= 0 || block <= 0) {
            throw new IllegalArgumentException("empty launch of " + qualifiedName() + ": grid (" + gx + "," + gy + "," + gz + "), block " + block);
        }
        NativePointerObject[] packed = new NativePointerObject[args.length];
        for (int i = 0; i < args.length; i++) packed[i] = pack(args[i], i);
        Pointer params = Pointer.to(packed);
        String what = "cuLaunchKernel(" + qualifiedName() + ", grid (" + gx + "," + gy + "," + gz + "), block " + block + ")";
        Cu.call(what, () -> JCudaDriver.cuLaunchKernel(function, gx, gy, gz, block, 1, 1, smem, stream.handle(), params, null));
        if (SYNC_EACH_LAUNCH) stream.synchronize(qualifiedName());
    }

    private Pointer pack(Object a, int index) {
        return switch (a) {
            case DeviceBuffer b -> Pointer.to(b.pointer());
            case jcuda.driver.CUdeviceptr p -> Pointer.to(p);
            case Integer v -> Pointer.to(new int[]{v});
            case Long v -> Pointer.to(new long[]{v});
            case Float v -> Pointer.to(new float[]{v});
            case null -> Pointer.to(new jcuda.driver.CUdeviceptr());   // a NULL pointer argument
            default -> throw new IllegalArgumentException("argument " + index + " of " + qualifiedName()
                    + " has unsupported type " + a.getClass().getName());
        };
    }
}
