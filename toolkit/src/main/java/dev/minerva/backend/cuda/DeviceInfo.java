package dev.minerva.backend.cuda;

/**
 * What a run records about its GPU.
 *
 * @param name            marketing name ("NVIDIA H100 80GB HBM3")
 * @param ccMajor         compute capability, major
 * @param ccMinor         compute capability, minor
 * @param smCount         streaming multiprocessors
 * @param totalMemory     device memory in bytes
 * @param l2Bytes         L2 cache in bytes
 * @param smemOptinPerBlock largest dynamic shared memory a block may opt into, bytes
 * @param driverVersion   CUDA driver API version (e.g. 13000 for 13.0)
 */
public record DeviceInfo(String name, int ccMajor, int ccMinor, int smCount, long totalMemory, int l2Bytes,
                         int smemOptinPerBlock, int driverVersion) {

    /** The PTX target this device loads (80 or 90). */
    public int ptxTarget() { return PtxResources.targetFor(ccMajor, ccMinor); }

    /** "13.0" from 13000. */
    public String driverVersionString() { return driverVersion / 1000 + "." + (driverVersion % 1000) / 10; }

    @Override public String toString() {
        return String.format("%s (sm_%d%d, %d SMs, %.1f GiB, driver API %s)", name, ccMajor, ccMinor, smCount,
                totalMemory / (1024.0 * 1024 * 1024), driverVersionString());
    }
}
