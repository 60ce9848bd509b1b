package dev.minerva.backend.cuda;

import dev.minerva.tensor.DType;
import dev.minerva.tensor.Tensor;
import jcuda.driver.CUdeviceptr;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The launches of {@code cuda/src/layer.cu}, {@link CudaDecoder}'s lean step: GEMVs with the layer's small ops folded in
 * (the rmsnorm as a prologue that stages the activations in shared memory, RoPE and the KV-cache write, the residual add
 * as epilogues). F16 and BF16 weights run gemv.cu's v4 row loops, Q8_0 and Q4_0 its dp4a loops on activations the
 * prologue quantises, so no {@code quantize_q8_f32} launch either. For 1 to {@value #MAX_ROWS} activation rows.
 *
 * <p>Grid: one block per row-block of the entry (4 rows; {@code qkv_rope_*} 8), or at most
 * {@code -Dminerva.cuda.layerBlocksPerSm} blocks per SM (0, the default: no cap), each block then looping over several
 * row-blocks so fewer blocks pay the prologue. Not yet measured on a GPU: gpu-check times the lean step at each setting.
 */
final class LayerKernels {
    /** Most activation rows an entry takes (its batch buckets are 1, 2, 4, 8, as the fused GEMVs'). */
    static final int MAX_ROWS = CudaBackend.FUSED_GEMV_MAX_ROWS;
    /** Static shared memory of a layer.cu entry, at most (two 32-float reduction scratches), counted against the same limit. */
    private static final int STATIC_SMEM = 1024;
    /** Dynamic shared memory a launch gets without opting in. */
    private static final int SMEM_DEFAULT = 48 * 1024;

    private final CudaBackend gpu;
    private final CudaContext ctx;
    private final int gridCap;                                  // 0: one block per row-block
    private final boolean pdl;                                  // programmatic dependent launches
    private final boolean prefetch;                             // weight rows asked of L2 before pdl_wait()
    private final Map<String, Integer> smemOptIn = new HashMap<>();

    LayerKernels(CudaBackend gpu, int blocksPerSm, boolean pdl, boolean prefetch) {
        if (blocksPerSm < 0) throw new IllegalArgumentException("layer blocks per SM must be >= 0 (0: no cap), got " + blocksPerSm);
        this.gpu = gpu;
        this.ctx = gpu.context();
        this.gridCap = blocksPerSm * ctx.info().smCount();
        this.pdl = pdl;
        this.prefetch = prefetch;
    }

    /**
     * {@code -Dminerva.cuda.pdl=true|false}, default false: launch the layer kernels and {@code attn_decode_f32} as
     * programmatic dependent launches ({@link ProgrammaticLaunch}; sm_90+). Not yet run on a GPU.
     */
    static boolean configuredPdl() { return KernelVersion.configuredFlag("minerva.cuda.pdl", false); }

    /**
     * {@code -Dminerva.cuda.layerPrefetch=true|false}, default false: each block of a layer kernel first asks L2 for the
     * weight rows it will read ({@code prefetch_l2}, before {@code pdl_wait()}), so that with PDL those reads overlap the
     * tail of the kernel before. Results are the same either way. Not yet run on a GPU.
     */
    static boolean configuredPrefetch() { return KernelVersion.configuredFlag("minerva.cuda.layerPrefetch", false); }

    /** Launches {@code k} as {@code LayerKernels} launches its own entries: programmatic when PDL is on. */
    void launch(Kernel k, int gx, int gy, int gz, int smem, Object... args) {
        if (pdl) k.launchProgrammatic(ctx.stream(), gx, gy, gz, 128, smem, args);
        else k.launch(ctx.stream(), gx, gy, gz, 128, smem, args);
    }

    /** {@code -Dminerva.cuda.layerBlocksPerSm}, default 0 (no cap). */
    static int configuredBlocksPerSm() { return KernelVersion.configuredInt("minerva.cuda.layerBlocksPerSm", 0, 0, " (0: no cap)"); }

    /**
     * Whether the layer kernels serve these matrices (one family launch: wq/wk/wv, w1/w3, or one matrix) for up to
     * {@code nb} rows of width {@code K}: one quantised or 16-bit dtype, {@code K % 32 == 0}, and the staged activations
     * within the device's shared memory per block.
     */
    boolean applies(int nb, int K, boolean norm, Tensor... ws) {
        return CudaBackend.fusedGemvApplies(nb, K, ws) && smemBytes(ws[0].dtype(), norm, nb, K) + STATIC_SMEM <= ctx.info().smemOptinPerBlock();
    }

    /** Dynamic shared memory of one launch: the staged activations (layer.cu's header). */
    static long smemBytes(DType dt, boolean norm, int nb, int K) {
        if (dt == DType.Q8_0 || dt == DType.Q4_0) return (long) nb * K + (long) nb * (K / 32) * 4;
        return norm ? 4L * nb * K : 0;
    }

    /**
     * {@code qkv_rope_*}: with {@code xn = rmsnorm(x) * g}, q = rope(xn . wq^T) and the cache rows at (slot, pos) of every
     * sequence = rope(xn . wk^T) and xn . wv^T. x (nb, K); q (nb, wq.rows); caches as {@code rope_freq_kv_append_f32}'s.
     */
    void qkvRope(CUdeviceptr x, Tensor g, float eps, Tensor wq, Tensor wk, Tensor wv, CUdeviceptr q, CUdeviceptr kcache,
                 CUdeviceptr vcache, DeviceBuffer pos, DeviceBuffer slots, long slotStride, DeviceBuffer invFreq, int nb, int K, int headDim) {
        int r0 = (int) wq.rows(), r1 = (int) wk.rows(), r2 = (int) wv.rows();
        if (r0 % 2 != 0 || r1 % 2 != 0 || r1 != r2) throw new IllegalArgumentException("qkv_rope needs even rows and wk, wv alike: " + r0 + "/" + r1 + "/" + r2);
        List<Object> args = new ArrayList<>();
        for (Tensor w : new Tensor[]{wq, wk, wv}) gpu.addWeightArgs(args, w);
        args.addAll(List.of(x, gpu.buffer(g), eps, q, kcache, vcache, pos, slots, slotStride, invFreq, r0, r1, r2, K, nb, headDim));
        launch("qkv_rope", wq, K, (r0 + 7) / 8 + (r1 + 7) / 8 + (r2 + 7) / 8, nb, smemBytes(wq.dtype(), true, nb, K), args);
    }

    /** {@code swiglu_norm_*}: h (nb, rows) = silu(xn . w1^T) * (xn . w3^T), xn = rmsnorm(x) * g. */
    void swigluNorm(CUdeviceptr x, Tensor g, float eps, Tensor w1, Tensor w3, CUdeviceptr h, int nb, int K) {
        int rows = (int) w1.rows();
        if (w3.rows() != rows) throw new IllegalArgumentException("swiglu_norm: w1 has " + rows + " rows, w3 " + w3.rows());
        List<Object> args = new ArrayList<>();
        gpu.addWeightArgs(args, w1);
        gpu.addWeightArgs(args, w3);
        args.addAll(List.of(x, gpu.buffer(g), eps, h, rows, K, nb));
        launch("swiglu_norm", w1, K, (rows + 3) / 4, nb, smemBytes(w1.dtype(), true, nb, K), args);
    }

    /** {@code residual_*}: y (nb, rows) += x . w^T (wo and w2 adding into the residual stream). */
    void residual(CUdeviceptr x, Tensor w, CUdeviceptr y, int nb, int K) {
        int rows = (int) w.rows();
        List<Object> args = new ArrayList<>();
        gpu.addWeightArgs(args, w);
        args.addAll(List.of(x, y, rows, K, nb));
        launch("residual", w, K, (rows + 3) / 4, nb, smemBytes(w.dtype(), false, nb, K), args);
    }

    /** {@code norm_gemv_*}: y (nb, rows) = (rmsnorm(x) * g) . w^T (final norm and classifier). */
    void normGemv(CUdeviceptr x, Tensor g, float eps, Tensor w, CUdeviceptr y, int nb, int K) {
        int rows = (int) w.rows();
        List<Object> args = new ArrayList<>();
        gpu.addWeightArgs(args, w);
        args.addAll(List.of(x, gpu.buffer(g), eps, y, rows, K, nb));
        launch("norm_gemv", w, K, (rows + 3) / 4, nb, smemBytes(w.dtype(), true, nb, K), args);
    }

    private void launch(String family, Tensor w, int K, int rowBlocks, int nb, long smem, List<Object> args) {
        if (!CudaBackend.fusedGemvApplies(nb, K, w)) {   // the kernels' own requirements
            throw new IllegalArgumentException(family + " takes 1.." + MAX_ROWS + " rows of width K % 32 == 0 against non-F32 weights of K"
                    + " columns: got " + nb + " rows of width " + K + " against " + w);
        }
        Kernel k = ctx.kernel("layer", CudaBackend.gemvEntry(family, w, "", nb, MAX_ROWS));
        if (smem > SMEM_DEFAULT && smem > smemOptIn.getOrDefault(k.name(), 0)) {
            k.setMaxDynamicSharedMemory((int) smem);    // once per kernel and size; the decoder's warm-up reaches the largest
            smemOptIn.put(k.name(), (int) smem);
        }
        int grid = gridCap > 0 ? Math.min(rowBlocks, gridCap) : rowBlocks;
        args.add(prefetch ? 1 : 0);
        launch(k, grid, 1, 1, (int) smem, args.toArray());
    }

    /** The grid cap in blocks (0: none), for reports. */
    int gridCap() { return gridCap; }

    boolean pdl() { return pdl; }

    boolean prefetch() { return prefetch; }
}
