package dev.minerva.backend.cuda;

import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;
import jcuda.driver.JCudaDriver;

import java.util.List;

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
    private final List<String> paramTypes;   // from the PTX: u64, u32, s32, f32, ...

    Kernel(String file, String name, CUfunction function, List<String> paramTypes) {
        this.file = file;
        this.name = name;
        this.function = function;
        this.paramTypes = paramTypes;
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
        checkLaunch(gx, gy, gz, block, args);
        NativePointerObject[] packed = new NativePointerObject[args.length];
        for (int i = 0; i < args.length; i++) packed[i] = pack(args[i], i);
        Pointer params = Pointer.to(packed);
        String what = "cuLaunchKernel(" + qualifiedName() + ", grid (" + gx + "," + gy + "," + gz + "), block " + block + ")";
        Cu.call(what, () -> JCudaDriver.cuLaunchKernel(function, gx, gy, gz, block, 1, 1, smem, stream.handle(), params, null));
        if (SYNC_EACH_LAUNCH) stream.synchronize(qualifiedName());
    }

    /**
     * As {@link #launch}, as a programmatic dependent launch ({@link ProgrammaticLaunch}): the kernel may start before
     * the previous one in the stream has finished. Only for kernels that call {@code pdl_wait()} before reading what an
     * earlier kernel writes (layer.cu's entries, {@code attn_decode_f32}).
     */
    public void launchProgrammatic(CudaStream stream, int gx, int gy, int gz, int block, int smem, Object... args) {
        checkLaunch(gx, gy, gz, block, args);
        ProgrammaticLaunch.launch(this, function, stream, gx, gy, gz, block, smem, args);
        if (SYNC_EACH_LAUNCH) stream.synchronize(qualifiedName());
    }

    private void checkLaunch(int gx, int gy, int gz, int block, Object[] args) {
        if (gx <= 0 || gy <= 0 || gz <= 0 || block <= 0) {
            throw new IllegalArgumentException("empty launch of " + qualifiedName() + ": grid (" + gx + "," + gy + "," + gz + "), block " + block);
        }
        checkArgs(qualifiedName(), paramTypes, args);
    }

    /**
     * Checks Java arguments against the kernel's PTX parameter list, so that an int passed for a
     * {@code long long} (which would shift every later argument on the device) fails here, by name.
     * 64-bit parameters take a pointer or a Long, 32-bit integers an Integer, f32 a Float.
     *
     * @throws IllegalArgumentException naming the kernel, the argument index and both types
     */
    static void checkArgs(String kernel, List<String> ptxTypes, Object[] args) {
        if (ptxTypes == null) return;
        if (ptxTypes.size() != args.length) {
            throw new IllegalArgumentException(kernel + " takes " + ptxTypes.size() + " arguments " + ptxTypes + ", got " + args.length);
        }
        for (int i = 0; i < args.length; i++) {
            String t = ptxTypes.get(i);
            Object a = args[i];
            boolean ok = switch (t) {
                case "u64", "s64", "b64" -> a == null || a instanceof DeviceBuffer || a instanceof jcuda.driver.CUdeviceptr || a instanceof Long;
                case "u32", "s32", "b32" -> a instanceof Integer;
                case "f32" -> a instanceof Float;
                default -> true;   // other PTX types are not used by Minerva's kernels
            };
            if (!ok) {
                throw new IllegalArgumentException(kernel + " argument " + i + " is ." + t + " in the PTX, got "
                        + (a == null ? "null" : a.getClass().getSimpleName()));
            }
        }
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
