package dev.minerva.backend.cuda;

import jcuda.driver.CUdevice;
import jcuda.driver.JCudaDriver;

/**
 * Is there a usable CUDA GPU here? Answered once per JVM and cached with its reason.
 *
 * <p>On a machine without a driver the first touch of {@link JCudaDriver} throws
 * {@link UnsatisfiedLinkError} ({@code libcuda.so.1} missing) and every later touch
 * {@link NoClassDefFoundError}; both are {@link LinkageError}s, caught here exactly once, so the
 * verdict (and the first, informative message) survives for the rest of the run.
 * The PTX kernels must also be in the jar (nvcc was present at build time).
 */
public final class CudaRuntime {
    private CudaRuntime() {}

    /** The cached verdict: available or not, and why. */
    public record Verdict(boolean available, String reason, int deviceCount) {}

    private static volatile Verdict verdict;

    /** Whether a CUDA device answers and the kernels are present (probes on first call, ~55 ms without a GPU). */
    public static boolean available() { return verdict().available(); }

    /** Why CUDA is unavailable ("libcuda.so.1: cannot open shared object file", "no CUDA device", ...), or "ok". */
    public static String reason() { return verdict().reason(); }

    /** The cached verdict, probing on the first call. */
    public static Verdict verdict() {
        Verdict v = verdict;
        if (v == null) {
            synchronized (CudaRuntime.class) {
                if (verdict == null) verdict = probe();
                v = verdict;
            }
        }
        return v;
    }

    /**
     * Throws unless CUDA is available.
     *
     * @throws CudaUnavailableException with the cached reason
     */
    public static void require() {
        Verdict v = verdict();
        if (!v.available()) throw new CudaUnavailableException(v.reason());
    }

    private static Verdict probe() {
        if (PtxResources.TARGETS.stream().noneMatch(PtxResources::present)) {
            return new Verdict(false, "no CUDA kernels in this build (nvcc was absent when the cuda module was built)", 0);
        }
        try {
            Cu.call("cuInit", () -> JCudaDriver.cuInit(0));
            int[] count = new int[1];
            Cu.call("cuDeviceGetCount", () -> JCudaDriver.cuDeviceGetCount(count));
            if (count[0] == 0) return new Verdict(false, "the CUDA driver reports no device", 0);
            CUdevice dev = new CUdevice();
            Cu.call("cuDeviceGet(0)", () -> JCudaDriver.cuDeviceGet(dev, 0));
            int[] major = new int[1];
            Cu.call("cuDeviceGetAttribute(COMPUTE_CAPABILITY_MAJOR)", () -> JCudaDriver.cuDeviceGetAttribute(major,
                    jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev));
            if (major[0] < 8) {
                return new Verdict(false, "GPU compute capability " + major[0] + ".x < 8.0 (kernels are built for sm_80 and sm_90)", count[0]);
            }
            int[] minor = new int[1];
            Cu.call("cuDeviceGetAttribute(COMPUTE_CAPABILITY_MINOR)", () -> JCudaDriver.cuDeviceGetAttribute(minor,
                    jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev));
            int target = PtxResources.targetFor(major[0], minor[0]);
            if (!PtxResources.present(target)) {
                return new Verdict(false, "this build carries no sm_" + target + " PTX for this GPU (compute capability "
                        + major[0] + "." + minor[0] + ")", count[0]);
            }
            return new Verdict(true, "ok", count[0]);
        } catch (LinkageError e) {
            return new Verdict(false, "the CUDA driver library could not be loaded (" + rootMessage(e) + ")", 0);
        } catch (CudaCallException e) {
            return new Verdict(false, "the CUDA driver did not initialise: " + e.getMessage(), 0);
        }
    }

    private static final java.util.regex.Pattern MISSING_LIBRARY =
            java.util.regex.Pattern.compile("([\\w.+-]+\\.so(?:\\.\\d+)*: cannot open shared object file[^\\n]*)");

    /** The informative line of a link error: JCuda packs nested stack traces into its message. */
    static String rootMessage(Throwable e) {
        Throwable c = e;
        while (c.getCause() != null) c = c.getCause();
        String m = String.valueOf(c.getMessage());
        java.util.regex.Matcher lib = MISSING_LIBRARY.matcher(m);
        if (lib.find()) return lib.group(1).trim();
        String first = m.lines().findFirst().orElse("").trim();
        return c.getClass().getSimpleName() + ": " + first;
    }
}
