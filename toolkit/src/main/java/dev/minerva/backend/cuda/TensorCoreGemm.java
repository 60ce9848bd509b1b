package dev.minerva.backend.cuda;

/**
 * The tensor-core prefill GEMMs of {@code gemm.cu}, kept side by side while GPU runs compare them (llm.c
 * {@code dev/cuda} style). {@link CudaBackend} uses {@link #configured()}: {@code -Dminerva.cuda.gemm=wmma|mma|mma64},
 * default {@link #MMA}: on an H100 (gpu-check run {@code 20261122-195536-fa66a92}) v2 was correct and the fastest at
 * every measured shape (512x5632x2048 f16: 117 TFLOP/s against v1's 97 and v3's 97; 512x2048x2048: 79 against 55
 * and 75; TinyLlama prefill-512: 16.4 ms against 22.3 and 17.4). {@code gpu-check} checks and times all three.
 */
public enum TensorCoreGemm {
    /** v1: WMMA fragments, single-buffered 64x64x32 shared tiles, 4 warps of 32x32. */
    WMMA("wmma", 64, 64, 128),
    /**
     * v2: {@code mma.sync m16n8k16} fed by {@code ldmatrix.x4}, a 3-stage {@code cp.async} pipeline of 128x64x32
     * tiles, 8 warps of 32x32. Its index math is run lane by lane in Java by
     * {@link dev.minerva.backend.cuda.reference.MmaGemmReference}. The default.
     */
    MMA("mma", 128, 64, 256),
    /** v3: v2 with 64x64 tiles and 4 warps: twice the blocks, for grids where v2 leaves SMs idle ({@code MmaGemmReference} at tile 64). */
    MMA64("mma64", 64, 64, 128);

    private final String suffix;
    final int tileM, tileN, threads;

    TensorCoreGemm(String suffix, int tileM, int tileN, int threads) {
        this.suffix = suffix;
        this.tileM = tileM;
        this.tileN = tileN;
        this.threads = threads;
    }

    /** The kernel's entry name in gemm.cu for f16 or bf16 operands. */
    String kernel(boolean bf16) { return (bf16 ? "gemm_bf16_" : "gemm_f16_") + suffix; }

    /** The version {@code -Dminerva.cuda.gemm} names (wmma, mma or mma64), else {@link #MMA}. */
    static TensorCoreGemm configured() { return KernelVersion.configured("minerva.cuda.gemm", MMA, values()); }

    @Override public String toString() { return suffix; }
}
