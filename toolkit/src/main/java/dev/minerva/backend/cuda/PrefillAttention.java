package dev.minerva.backend.cuda;

import java.util.Locale;

/**
 * The causal prefill attention kernels of {@code attention.cu} for head sizes 32, 64 and 128, kept side by side
 * while GPU runs compare them. {@link CudaBackend} uses {@link #configured()}: {@code -Dminerva.cuda.attention=f32|mma},
 * default {@link #MMA}. {@code gpu-check} checks and times both.
 */
public enum PrefillAttention {
    /** v1: CUDA cores in f32, 16 query rows per block, 32-key tiles. Exact to f32 rounding. */
    F32("attn_prefill_f32", 16, 1e-5),
    /**
     * v2: {@code mma.sync m16n8k16} with Q, K and V rounded to f16 in shared memory and f32 accumulators, 64 query rows
     * per block, 64-key tiles. Relative L2 error against float64 about 3e-4 (the f16 rounding of its inputs); a
     * standalone H100 run timed 0.021 ms against v1's 0.267 ms for 512 tokens, 32/4 heads, head size 64.
     */
    MMA("attn_prefill_mma", 64, 2e-3);

    final String kernel;
    /** Flat (token, head-of-group) query rows per block: grid.x = ceil(T * group / rowsPerBlock). */
    final int rowsPerBlock;
    /** The relative L2 error gpu-check allows against the CPU backend. */
    final double tolerance;

    PrefillAttention(String kernel, int rowsPerBlock, double tolerance) {
        this.kernel = kernel;
        this.rowsPerBlock = rowsPerBlock;
        this.tolerance = tolerance;
    }

    /** The version {@code -Dminerva.cuda.attention} names (f32 or mma), else {@link #MMA}. */
    static PrefillAttention configured() { return KernelVersion.configured("minerva.cuda.attention", MMA, values()); }

    @Override public String toString() { return name().toLowerCase(Locale.ROOT); }
}
