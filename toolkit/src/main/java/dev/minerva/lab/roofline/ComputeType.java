package dev.minerva.lab.roofline;

/** The arithmetic a matrix op runs in, which selects the hardware peak it is bounded by. */
public enum ComputeType {
    /** float32 on vector/CUDA cores (no tensor cores). */
    FP32,
    /** fp16/bf16 inputs on tensor cores (fp32 accumulate). */
    FP16,
    /** int8 (or fp8) inputs on tensor cores. */
    INT8;

    /**
     * What a matmul computes in: 8-bit activations with ≤ 8-bit weights use the 8-bit path; f32
     * activations use f32; everything else (weight-only quantisation included: weights are
     * dequantised on the fly) runs at the fp16 rate.
     */
    public static ComputeType of(StorageFormat weights, StorageFormat acts) {
        if (acts.bits() >= 32) return FP32;
        if (acts.bits() <= 8 && weights.bits() <= 9) return INT8;
        return FP16;
    }
}
