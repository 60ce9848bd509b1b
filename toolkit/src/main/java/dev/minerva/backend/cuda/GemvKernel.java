package dev.minerva.backend.cuda;

import dev.minerva.tensor.DType;

import java.util.Locale;

/**
 * The decode GEMV kernels of {@code gemv.cu}, kept side by side while GPU runs compare them (llm.c {@code dev/cuda}
 * style). {@link CudaBackend} uses {@link #configured()}: {@code -Dminerva.cuda.gemv=auto|v1|v4|dp4a}, default
 * {@link #AUTO}; {@code gpu-check} checks and times each. The newer versions exist for at most {@value #V4_MAX_ROWS}
 * activation rows; above that, and for F32 weights, every version runs v1.
 *
 * <p>Measured on an H100 (gpu-check run {@code 20261122-203451-9f37111}, TinyLlama shape, fused step, CUDA graph):
 * F16 decoded 750 tokens/s at batch 1 with v4 against 703 with v1; Q8_0 882 with dp4a, 842 with v1, 792 with v4, and
 * at batch 8 3038 with dp4a against 1886 with v1. Hence {@link #AUTO}.
 */
public enum GemvKernel {
    /** One warp per weight row, 16-byte loads, the compiler's unroll of 2; scales applied per weight. */
    V1,
    /** v1 with 4 loads in flight per lane before any is used, the streaming hint, and scales applied per block. */
    V4,
    /**
     * v5 for Q8_0 and Q4_0 weights: the activations quantised to Q8_0 first (as the CPU backend does), then {@code __dp4a}
     * int8 dot products, v4's loads (Q4_0's nibbles made int8 first); F16/BF16 weights run v4 under this setting. Q4_0's
     * version has not run on a GPU yet, so {@link #AUTO} keeps v1 for it.
     */
    DP4A,
    /** The fastest version measured per weight dtype: v4 for F16/BF16, dp4a for Q8_0, v1 for Q4_0 (v4 not faster). */
    AUTO;

    static final int V4_MAX_ROWS = 8;
    static final String DP4A_INFIX = "_dp4a";

    /** The infix of the entry names serving {@code nb} rows of weights in {@code dtype}: {@code gemv_f16<infix>_nb4}. */
    String infix(int nb, DType dtype) {
        if (nb > V4_MAX_ROWS || dtype == DType.F32) return "";
        boolean half = dtype == DType.F16 || dtype == DType.BF16;
        return switch (this) {
            case V1 -> "";
            case V4 -> "_v4";
            case DP4A -> half ? "_v4" : DP4A_INFIX;
            case AUTO -> half ? "_v4" : dtype == DType.Q8_0 ? DP4A_INFIX : "";
        };
    }

    /** The version {@code -Dminerva.cuda.gemv} names (auto, v1, v4 or dp4a), else {@link #AUTO}. */
    static GemvKernel configured() { return KernelVersion.configured("minerva.cuda.gemv", AUTO, values()); }

    @Override public String toString() { return name().toLowerCase(Locale.ROOT); }
}
