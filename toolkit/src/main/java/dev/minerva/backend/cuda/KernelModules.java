package dev.minerva.backend.cuda;

import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.JCudaDriver;

import java.util.HashMap;
import java.util.Map;

/**
 * Loads the PTX modules of one target ({@code sm80} or {@code sm90}) from the class path on first use
 * ({@code cuModuleLoadData}; the driver JIT-compiles PTX for the actual GPU) and hands out
 * {@link Kernel}s by {@code (file, entry)}.
 */
public final class KernelModules implements AutoCloseable {
    private final int target;
    private final Map<String, CUmodule> modules = new HashMap<>();
    private final Map<String, Kernel> kernels = new HashMap<>();

    KernelModules(int target) { this.target = target; }

    /**
     * The kernel {@code entry} of {@code cuda/src/<file>.cu}.
     *
     * @throws CudaCallException naming the file and entry if the module does not load or has no such entry
     */
    public Kernel kernel(String file, String entry) {
        return kernels.computeIfAbsent(file + ":" + entry, k -> {
            CUmodule m = module(file);
            CUfunction f = new CUfunction();
            Cu.call("cuModuleGetFunction(" + file + "_sm" + target + ".ptx, " + entry + ")",
                    () -> JCudaDriver.cuModuleGetFunction(f, m, entry));
            return new Kernel(file, entry, f, PtxResources.params(PtxResources.text(file, target), entry));
        });
    }

    private CUmodule module(String file) {
        return modules.computeIfAbsent(file, f -> {
            byte[] ptx = PtxResources.loadNulTerminated(f, target);
            CUmodule m = new CUmodule();
            Cu.call("cuModuleLoadData(" + PtxResources.resource(f, target) + ")", () -> JCudaDriver.cuModuleLoadData(m, ptx));
            return m;
        });
    }

    /** Loads every module now (gpu-check does, so JIT cost stays out of timings and broken PTX shows at once). */
    public void loadAll() {
        for (String f : PtxResources.FILES) module(f);
    }

    public int target() { return target; }

    @Override public void close() {
        for (var e : modules.entrySet()) Cu.call("cuModuleUnload(" + e.getKey() + ")", () -> JCudaDriver.cuModuleUnload(e.getValue()));
        modules.clear();
        kernels.clear();
    }
}
