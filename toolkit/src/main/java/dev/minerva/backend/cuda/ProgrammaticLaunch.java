package dev.minerva.backend.cuda;

import jcuda.NativePointerObject;
import jcuda.Pointer;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.reflect.Field;
import java.lang.reflect.Method;

/**
 * Programmatic dependent launch (PDL, sm_90+): {@code cuLaunchKernelEx} with the attribute
 * {@code CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION}, so a kernel may start while the one before it in the
 * stream is still finishing, and waits for it inside ({@code pdl_wait()} in {@code common.cuh}, PTX
 * {@code griddepcontrol.wait}). That hides the launch gap between the small kernels of a decode step. JCuda 12.6 does
 * not wrap {@code cuLaunchKernelEx}, so this calls {@code libcuda.so.1} through the FFM API, with the function, stream
 * and device-pointer handles read out of JCuda's objects.
 *
 * <p>Only kernels that call {@code pdl_wait()} before they read anything an earlier kernel writes may be launched
 * this way (the layer.cu entries and {@code attn_decode_f32}); any other kernel could read stale data.
 *
 * <p>Struct layouts from CUDA 12's {@code cuda.h}: {@code CUlaunchConfig} (7 unsigned ints, the stream, the attribute
 * array, their count) and {@code CUlaunchAttribute} (a 4-byte id padded to 8, then a 64-byte value union).
 */
final class ProgrammaticLaunch {
    private ProgrammaticLaunch() {}

    /** {@code CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION}. */
    static final int ATTR_PROGRAMMATIC_STREAM_SERIALIZATION = 6;

    static final StructLayout CONFIG = MemoryLayout.structLayout(
            ValueLayout.JAVA_INT.withName("gridDimX"), ValueLayout.JAVA_INT.withName("gridDimY"), ValueLayout.JAVA_INT.withName("gridDimZ"),
            ValueLayout.JAVA_INT.withName("blockDimX"), ValueLayout.JAVA_INT.withName("blockDimY"), ValueLayout.JAVA_INT.withName("blockDimZ"),
            ValueLayout.JAVA_INT.withName("sharedMemBytes"), MemoryLayout.paddingLayout(4),
            ValueLayout.ADDRESS.withName("hStream"), ValueLayout.ADDRESS.withName("attrs"),
            ValueLayout.JAVA_INT.withName("numAttrs"), MemoryLayout.paddingLayout(4));

    static final StructLayout ATTRIBUTE = MemoryLayout.structLayout(
            ValueLayout.JAVA_INT.withName("id"), MemoryLayout.paddingLayout(4),
            MemoryLayout.sequenceLayout(64, ValueLayout.JAVA_BYTE).withName("value"));

    /** Loaded on the first programmatic launch: machines without libcuda never touch it. */
    private static final class Driver {
        static final MethodHandle LAUNCH_EX;

        static {
            SymbolLookup cuda = SymbolLookup.libraryLookup("libcuda.so.1", Arena.global());
            MemorySegment fn = cuda.find("cuLaunchKernelEx").orElseThrow(() ->
                    new IllegalStateException("libcuda.so.1 has no cuLaunchKernelEx (driver older than CUDA 12.0)"));
            LAUNCH_EX = Linker.nativeLinker().downcallHandle(fn, FunctionDescriptor.of(ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
        }
    }

    private static final Method NATIVE_POINTER;
    private static final Field BYTE_OFFSET;

    static {
        try {
            NATIVE_POINTER = NativePointerObject.class.getDeclaredMethod("getNativePointer");
            NATIVE_POINTER.setAccessible(true);
            BYTE_OFFSET = Pointer.class.getDeclaredField("byteOffset");
            BYTE_OFFSET.setAccessible(true);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError("JCuda's NativePointerObject/Pointer changed shape: " + e);
        }
    }

    /** The raw handle or address behind a JCuda object: a CUfunction, a CUstream, a device pointer plus its byte offset. */
    static long address(NativePointerObject o) {
        try {
            long p = (long) NATIVE_POINTER.invoke(o);
            if (o instanceof Pointer) p += BYTE_OFFSET.getLong(o);
            return p;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read the native handle of " + o, e);
        }
    }

    /**
     * The {@code void** kernelParams} array for {@code args} (already checked against the kernel's PTX parameters):
     * one slot per argument holding its value, and an array of pointers to the slots.
     */
    static MemorySegment packParams(Arena arena, Object[] args) {
        MemorySegment values = arena.allocate(8L * Math.max(1, args.length), 8);
        MemorySegment params = arena.allocate(ValueLayout.ADDRESS, Math.max(1, args.length));
        for (int i = 0; i < args.length; i++) {
            MemorySegment slot = values.asSlice(8L * i, 8);
            switch (args[i]) {
                case DeviceBuffer b -> slot.set(ValueLayout.JAVA_LONG, 0, address(b.pointer()));
                case jcuda.driver.CUdeviceptr p -> slot.set(ValueLayout.JAVA_LONG, 0, address(p));
                case Integer v -> slot.set(ValueLayout.JAVA_INT, 0, v);
                case Long v -> slot.set(ValueLayout.JAVA_LONG, 0, v);
                case Float v -> slot.set(ValueLayout.JAVA_FLOAT, 0, v);
                case null -> slot.set(ValueLayout.JAVA_LONG, 0, 0L);
                default -> throw new IllegalArgumentException("argument " + i + " has unsupported type " + args[i].getClass().getName());
            }
            params.setAtIndex(ValueLayout.ADDRESS, i, slot);
        }
        return params;
    }

    /** Fills a {@code CUlaunchConfig} with one attribute: programmatic stream serialisation allowed. */
    static MemorySegment config(Arena arena, int gx, int gy, int gz, int block, int smem, long stream) {
        MemorySegment attr = arena.allocate(ATTRIBUTE);
        attr.set(ValueLayout.JAVA_INT, ATTRIBUTE.byteOffset(MemoryLayout.PathElement.groupElement("id")), ATTR_PROGRAMMATIC_STREAM_SERIALIZATION);
        attr.set(ValueLayout.JAVA_INT, ATTRIBUTE.byteOffset(MemoryLayout.PathElement.groupElement("value")), 1);
        MemorySegment cfg = arena.allocate(CONFIG);
        int[] dims = {gx, gy, gz, block, 1, 1, smem};
        String[] names = {"gridDimX", "gridDimY", "gridDimZ", "blockDimX", "blockDimY", "blockDimZ", "sharedMemBytes"};
        for (int i = 0; i < dims.length; i++) cfg.set(ValueLayout.JAVA_INT, CONFIG.byteOffset(MemoryLayout.PathElement.groupElement(names[i])), dims[i]);
        cfg.set(ValueLayout.ADDRESS, CONFIG.byteOffset(MemoryLayout.PathElement.groupElement("hStream")), MemorySegment.ofAddress(stream));
        cfg.set(ValueLayout.ADDRESS, CONFIG.byteOffset(MemoryLayout.PathElement.groupElement("attrs")), attr);
        cfg.set(ValueLayout.JAVA_INT, CONFIG.byteOffset(MemoryLayout.PathElement.groupElement("numAttrs")), 1);
        return cfg;
    }

    /** {@code cuLaunchKernelEx} with PDL; a failure names the kernel and the grid. */
    static void launch(Kernel k, NativePointerObject function, CudaStream stream, int gx, int gy, int gz, int block, int smem, Object[] args) {
        String what = "cuLaunchKernelEx(" + k.qualifiedName() + ", PDL, grid (" + gx + "," + gy + "," + gz + "), block " + block + ")";
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cfg = config(arena, gx, gy, gz, block, smem, address(stream.handle()));
            MemorySegment params = packParams(arena, args);
            Cu.call(what, () -> {
                try {
                    return (int) Driver.LAUNCH_EX.invokeExact(cfg, MemorySegment.ofAddress(address(function)), params, MemorySegment.NULL);
                } catch (Throwable t) {
                    throw new IllegalStateException(what + ": " + t, t);
                }
            });
        }
    }
}
