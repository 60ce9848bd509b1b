package dev.minerva.lab.roofline;

/**
 * Peak rates of one device. Tensor peaks are <b>dense</b> (no 2:4 structured sparsity): NVIDIA
 * datasheets list the sparse figure, twice the dense one, next to an asterisk.
 *
 * @param id            catalog key, e.g. {@code h100-sxm}
 * @param name          product name
 * @param bandwidthGBs  memory bandwidth, 1e9 bytes/s
 * @param fp32Tflops    fp32 vector (non-tensor) peak
 * @param fp16Tflops    fp16/bf16 dense matrix peak with fp32 accumulate
 * @param int8Tops      int8 dense matrix peak
 * @param l2MiB         last-level on-chip cache, MiB ({@code NaN} when not published)
 * @param memoryGiB     device memory capacity
 * @param measured      numbers measured on this machine rather than taken from a datasheet
 * @param source        datasheet / whitepaper the numbers come from, or how they were measured
 * @param note          caveats (estimates, accumulate modes)
 */
public record Hardware(String id, String name, double bandwidthGBs, double fp32Tflops, double fp16Tflops, double int8Tops,
                       double l2MiB, double memoryGiB, boolean measured, String source, String note) {

    /** Peak FLOP/s for matrix ops in {@code t}. */
    public double peakFlops(ComputeType t) {
        return switch (t) {
            case FP32 -> fp32Tflops;
            case FP16 -> fp16Tflops;
            case INT8 -> int8Tops;
        } * 1e12;
    }

    /** Peak FLOP/s of vector (non-tensor) units: elementwise ops, norms. */
    public double vectorFlops() { return fp32Tflops * 1e12; }

    public double bandwidth() { return bandwidthGBs * 1e9; }

    /** Arithmetic intensity (FLOP/byte) above which a {@code t} matmul is compute-bound. */
    public double ridgePoint(ComputeType t) { return peakFlops(t) / bandwidth(); }
}
