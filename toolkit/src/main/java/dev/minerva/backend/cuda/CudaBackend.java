package dev.minerva.backend.cuda;

import dev.minerva.backend.AttentionMask;
import dev.minerva.backend.Backend;
import dev.minerva.tensor.DType;
import dev.minerva.tensor.Tensor;
import dev.minerva.tensor.TensorCodec;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.JCudaDriver;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@link Backend} on an NVIDIA GPU. Activations and the KV cache live in device memory; weights are
 * uploaded once in their dtype ({@link #load}; Q8_0/Q4_0 in the split layout of {@link QuantSplit}, same
 * byte count). A device tensor is a {@link Tensor} whose segment carries the device address and size:
 * <b>never dereference it on the host</b>; read it with {@link #read}.
 *
 * <p>Op mapping (kernel files in {@code cuda/src}): embedding → embedding.cu; rmsnorm → rmsnorm.cu;
 * matmul with 1..32 rows → gemv.cu (split-K when output rows are few), more rows with F16/BF16/Q8_0/Q4_0
 * weights → gemm.cu on tensor cores (activations converted, quantised weights dequantised to f16 scratch;
 * v1 WMMA, v2/v3 mma.sync, see {@link TensorCoreGemm});
 * rope → rope.cu ({@code rope_freq_f32}, angles in double like the CPU); attention (causal) → attention.cu:
 * split-KV flash-decoding for one row, tiled flash prefill for more, a naive kernel for head sizes other
 * than 32/64/128, a masked naive kernel for tree masks; siluMul/add → activation.cu; copyRows → cuMemcpyDtoDAsync.
 * Work is queued on one stream; {@link #read} synchronises.
 */
public final class CudaBackend implements Backend {
    private static final int DECODE_MIN_CHUNK = 64;

    private final CudaContext ctx;
    private final Map<Long, DeviceBuffer> tensors = new HashMap<>();       // by device address
    private final Map<float[], DeviceBuffer> invFreqs = new IdentityHashMap<>();
    private final Map<String, DeviceBuffer> scratch = new HashMap<>();
    private boolean scratchFrozen;
    private long scratchMoves;         // scratch buffers replaced by larger ones so far (CUDA graphs hold the old pointers)
    private TensorCoreGemm gemmKernel = TensorCoreGemm.configured();
    private int gemmMinRows = configuredGemmMinRows();
    private GemvKernel gemvKernel = GemvKernel.configured();
    private PrefillAttention prefillAttention = PrefillAttention.configured();
    // the last non-causal mask packed for attn_masked_f32 (every layer of a forward pass asks for the same one)
    private AttentionMask packedMask;
    private int packedRows, packedKv;
    private int[] packedBits;

    /** Wraps an open context (the backend closes it). */
    public CudaBackend(CudaContext ctx) { this.ctx = ctx; }

    /**
     * Opens the first GPU.
     *
     * @throws CudaUnavailableException with the reason when there is none
     */
    public static CudaBackend open() { return new CudaBackend(CudaContext.open(0)); }

    public CudaContext context() { return ctx; }

    /** The tensor-core GEMM prefill matmuls use from now on (gpu-check switches to compare versions). */
    void useGemm(TensorCoreGemm g) { gemmKernel = g; }

    TensorCoreGemm gemmVersion() { return gemmKernel; }

    /** The GEMV version decode matmuls use from now on (gpu-check switches to compare versions). */
    void useGemv(GemvKernel g) { gemvKernel = g; }

    GemvKernel gemvVersion() { return gemvKernel; }

    /** The causal prefill attention kernel from now on (gpu-check switches to compare versions). */
    void usePrefillAttention(PrefillAttention a) { prefillAttention = a; }

    PrefillAttention prefillAttentionVersion() { return prefillAttention; }

    /**
     * From this many activation rows up, matmuls with F16/BF16/Q8_0/Q4_0 weights run on the tensor-core GEMM rather
     * than the GEMV kernels: {@code -Dminerva.cuda.gemmMinRows}, default {@value #GEMM_MIN_ROWS}. The GEMV kernels
     * read every activation row from L1 for each weight row, so their time grows with the rows, while the GEMM's
     * stays near the weights' read time. On an H100 (run 20261122-205640-6b45390, timed on the device), TinyLlama's
     * 2048x2048 F16: GEMV 6.1 / 13.5 / 29.1 / 113 us at 1 / 8 / 16 / 32 rows, GEMM 27.3 / 27.2 / 27.2 us at 8 / 16 /
     * 32; Q8_0: GEMV 20.8 / 38.1 / 72.3 us at 8 / 16 / 32 rows, GEMM 33.9 / 33.8 / 34.0 us. Decode at batch 8 ran
     * 2725 tokens/s on the fused GEMVs, 1401 on the GEMM (run 20261122-201923-ab23496).
     */
    public int gemmMinRows() { return gemmMinRows; }

    /** gpu-check moves the crossover to time both sides of it. */
    void useGemmMinRows(int rows) { gemmMinRows = Math.max(1, rows); }

    static final int GEMM_MIN_ROWS = 16;

    static int configuredGemmMinRows() { return KernelVersion.configuredInt("minerva.cuda.gemmMinRows", GEMM_MIN_ROWS, 1, ""); }

    @Override public String name() { return "cuda"; }

    @Override public boolean supports(Op op, DType dtype) {
        return switch (op) {
            case MATMUL, EMBEDDING -> true;
            default -> dtype == DType.F32;
        };
    }

    // ---------------------------------------------------------------- tensors

    private Tensor deviceTensor(String name, DType dtype, long[] shape, DeviceBuffer b) {
        MemorySegment handle = MemorySegment.ofAddress(b.address()).reinterpret(b.bytes());
        tensors.put(b.address(), b);
        return Tensor.of(name, dtype, shape, handle);
    }

    /**
     * An F32 tensor over {@code region} (a view into a buffer someone else owns, such as {@link CudaDecoder}'s cache
     * slots), usable by every op until {@link #forget}; {@link #free} is not for it.
     */
    Tensor view(String name, DeviceBuffer region, long rows, long cols) {
        if (4 * rows * cols != region.bytes()) throw new IllegalArgumentException(name + ": " + rows + "x" + cols + " f32 does not fill " + region);
        return deviceTensor(name, DType.F32, new long[]{rows, cols}, region);
    }

    /** Drops a {@link #view} (the memory stays its owner's). */
    void forget(Tensor view) { tensors.remove(buffer(view).address()); }

    /** The device buffer behind a tensor made by this backend. */
    DeviceBuffer buffer(Tensor t) {
        MemorySegment s = t.data();
        DeviceBuffer b = s.isNative() ? tensors.get(s.address()) : null;
        if (b == null) throw new IllegalArgumentException("tensor " + t + " is not a CUDA device tensor (allocate it with the cuda backend or load() it)");
        return b;
    }

    private CUdeviceptr ptr(Tensor t) { return buffer(t).pointer(); }

    private CUdeviceptr ptr(Tensor t, long byteOffset) { return buffer(t).pointer(byteOffset); }

    private DeviceBuffer scratch(String name, long bytes) {
        DeviceBuffer b = scratch.get(name);
        if (b == null || b.bytes() < bytes) {
            if (scratchFrozen) {
                // a graph being captured would record an allocation, or the old pointer
                throw new IllegalStateException("scratch '" + name + "' would grow to " + bytes + " bytes during a CUDA graph capture; warm up at the largest shape first");
            }
            if (b != null) {
                ctx.pool().free(b);
                scratchMoves++;
            }
            b = ctx.pool().allocate(Math.max(bytes, 256), "scratch " + name);
            scratch.put(name, b);
        }
        return b;
    }

    private DeviceBuffer ints(String name, int[] values) {
        DeviceBuffer b = scratch(name, 4L * values.length);
        ctx.upload(b, 0, values, name);
        return b;
    }

    @Override public Tensor allocate(String name, long... shape) {
        ctx.bind();
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        DeviceBuffer b = ctx.pool().allocate(4 * n, name);
        ctx.fill32(b, 0, n, 0, name);
        return deviceTensor(name, DType.F32, shape, b);
    }

    @Override public Tensor load(Tensor w) {
        ctx.bind();
        if (w.data().isNative() && tensors.containsKey(w.data().address())) return w;   // already on the device
        if (w.rank() == 1) {
            float[] f = TensorCodec.toFloats(w);
            DeviceBuffer b = ctx.pool().allocate(4L * f.length, w.name());
            ctx.upload(b, 0, f, 0, f.length, w.name());
            return deviceTensor(w.name(), DType.F32, w.shape(), b);
        }
        DeviceBuffer b = ctx.pool().allocate(w.byteSize(), w.name());
        switch (w.dtype()) {
            case F32, F16, BF16 -> uploadSegment(b, 0, w.data(), w.name());
            case Q8_0, Q4_0 -> {
                QuantSplit s = QuantSplit.of(w.dtype(), w.data(), w.numel() / 32);
                ctx.upload(b, 0, s.qs(), w.name() + " values");
                ctx.upload(b, s.qs().length, s.scales(), w.name() + " scales");
            }
        }
        return deviceTensor(w.name(), w.dtype(), w.shape(), b);
    }

    private void uploadSegment(DeviceBuffer dst, long dstOff, MemorySegment src, String what) {
        final long step = 256L << 20;
        for (long off = 0; off < src.byteSize(); off += step) {
            long n = Math.min(step, src.byteSize() - off);
            MemorySegment part = src.asSlice(off, n);
            Pointer p = part.isNative() ? Pointer.to(part.asByteBuffer()) : Pointer.to(part.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            long o = dstOff + off;
            Cu.call("cuMemcpyHtoD(" + what + ")", () -> JCudaDriver.cuMemcpyHtoD(dst.pointer(o), p, n));
        }
    }

    @Override public void write(Tensor dst, float[] src) {
        ctx.bind();
        ctx.upload(buffer(dst), 0, src, 0, src.length, dst.name());
    }

    @Override public float[] read(Tensor src, int row, int rows) {
        ctx.bind();
        int cols = (int) src.cols();
        float[] out = new float[rows * cols];
        ctx.download(out, 0, buffer(src), 4L * row * cols, out.length, src.name());
        return out;
    }

    // ---------------------------------------------------------------- ops

    @Override public void embedding(Tensor out, Tensor table, int[] tokens) {
        ctx.bind();
        long vocab = table.rows();
        int dim = (int) table.cols();
        for (int t : tokens) if (t < 0 || t >= vocab) throw new IllegalArgumentException("token id " + t + " outside vocabulary of " + vocab);
        DeviceBuffer tok = ints("tokens", tokens);
        CudaStream s = ctx.stream();
        switch (table.dtype()) {
            case F32 -> ctx.kernel("embedding", "embedding_f32").launch1d(s, tokens.length, 256, ptr(table), tok, ptr(out), dim);
            case F16 -> ctx.kernel("embedding", "embedding_f16").launch1d(s, tokens.length, 256, ptr(table), tok, ptr(out), dim);
            case BF16 -> ctx.kernel("embedding", "embedding_bf16").launch1d(s, tokens.length, 256, ptr(table), tok, ptr(out), dim);
            case Q8_0 -> ctx.kernel("embedding", "embedding_q8_0").launch1d(s, tokens.length, 256, ptr(table), ptr(table, vocab * dim), tok, ptr(out), dim);
            case Q4_0 -> ctx.kernel("embedding", "embedding_q4_0").launch1d(s, tokens.length, 256, ptr(table), ptr(table, vocab * dim / 2), tok, ptr(out), dim);
        }
    }

    @Override public void rmsnorm(Tensor out, Tensor x, Tensor weight, float eps) {
        ctx.bind();
        int dim = (int) weight.numel(), rows = (int) (x.numel() / dim);
        ctx.kernel("rmsnorm", "rmsnorm_f32").launch1d(ctx.stream(), rows, dim >= 2048 ? 512 : 256, ptr(x), ptr(weight), ptr(out), dim, eps);
    }

    @Override public void matmul(Tensor out, Tensor x, Tensor w) {
        ctx.bind();
        int n = (int) w.rows(), K = (int) w.cols(), T = (int) x.rows();
        if (x.cols() != K || out.cols() != n || x.rows() != out.rows()) {
            throw new IllegalArgumentException("matmul shapes: out " + out + " = x " + x + " . w " + w + "^T");
        }
        matmulRows(ptr(out), ptr(x), w, T, n, K);
    }

    /** y (rows, n) = x (rows, K) . w^T: the tensor-core GEMM from {@link #gemmMinRows()} rows up, else GEMV launches. */
    void matmulRows(CUdeviceptr y, CUdeviceptr x, Tensor w, int rows, int n, int K) {
        if (rows >= gemmMinRows && w.dtype() != DType.F32 && K % 32 == 0) gemm(y, x, w, rows, n, K);
        else gemvRows(y, x, w, rows, n, K);
    }

    /** y (rows, n) = x (rows, K) . w^T for any number of rows, in GEMV launches of at most 32 (F32: 8) rows. */
    void gemvRows(CUdeviceptr y, CUdeviceptr x, Tensor w, int rows, int n, int K) {
        int maxRows = w.dtype() == DType.F32 ? 8 : 32;
        for (int r0 = 0; r0 < rows; r0 += maxRows) {
            int nb = Math.min(maxRows, rows - r0);
            gemv(y.withByteOffset(4L * r0 * n), x.withByteOffset(4L * r0 * K), w, nb, n, K);
        }
    }

    /** y (nb, n) = x (nb, K) . w^T, nb <= 32 (F32: 8). */
    private void gemv(CUdeviceptr y, CUdeviceptr x, Tensor w, int nb, int n, int K) {
        CudaStream s = ctx.stream();
        int blocks = (n + 3) / 4;
        if (K % 32 != 0) {
            String k = switch (w.dtype()) {
                case F32 -> "gemv_f32_generic";
                case F16 -> "gemv_f16_generic";
                case BF16 -> "gemv_bf16_generic";
                default -> throw new IllegalArgumentException(w.dtype() + " matmul needs K % 32 == 0, got " + K + " for " + w);
            };
            ctx.kernel("gemv", k).launch(s, blocks, 1, 1, 128, 0, ptr(w), x, y, n, K, nb);
            return;
        }
        // split-K when the output rows alone cannot fill the GPU
        int sms = ctx.info().smCount();
        int splits = 1, kSplit = K;
        if (blocks < 2 * sms && K >= 2048) {
            int want = Math.min((2 * sms + blocks - 1) / blocks, K / 1024);
            kSplit = ((K + want - 1) / want + 1023) / 1024 * 1024;
            splits = (K + kSplit - 1) / kSplit;
        }
        CUdeviceptr target = y;
        DeviceBuffer partial = null;
        if (splits > 1) {
            partial = scratch("splitk", 4L * splits * nb * n);
            target = partial.pointer();
        }
        if (w.dtype() == DType.F32) {
            ctx.kernel("gemv", "gemv_f32").launch(s, blocks, splits, 1, 128, 0, ptr(w), x, target, n, K, nb, kSplit);
        } else {
            String infix = gemvKernel.infix(nb, w.dtype());
            List<Object> args = new ArrayList<>();
            addWeightArgs(args, w);
            addActivationArgs(args, infix, x, nb, K);
            args.addAll(List.of(target, n, K, nb, kSplit));
            ctx.kernel("gemv", gemvEntry("gemv", w, infix, nb, 32)).launch(s, blocks, splits, 1, 128, 0, args.toArray());
        }
        if (splits > 1) {
            long count = (long) nb * n;
            ctx.kernel("gemv", "splitk_reduce_f32").launch1d(s, (int) Math.min((count + 255) / 256, 4096), 256, partial, y, splits, count);
        }
    }

    // ---------------------------------------------------------------- fused decode GEMVs (CudaDecoder's fused step)

    /** The fused GEMV kernels' batch buckets: at most 8 rows (above that, the plain launches). */
    static final int FUSED_GEMV_MAX_ROWS = 8;

    /** Whether {@code gemv3_*} / {@code gemv_swiglu_*} serve these matrices for {@code nb} input rows of width {@code K}. */
    static boolean fusedGemvApplies(int nb, int K, Tensor... ws) {
        if (nb < 1 || nb > FUSED_GEMV_MAX_ROWS || K % 32 != 0) return false;
        for (Tensor w : ws) if (w.dtype() == DType.F32 || w.dtype() != ws[0].dtype() || w.cols() != K) return false;
        return true;
    }

    /**
     * {@code y_i (nb, rows_i) = x (nb, K) . w_i^T} for three matrices in one launch ({@code gemv3_*}: wq, wk, wv). The caller
     * checks {@link #fusedGemvApplies} first.
     */
    void gemv3(CUdeviceptr x, Tensor w0, Tensor w1, Tensor w2, CUdeviceptr y0, CUdeviceptr y1, CUdeviceptr y2, int nb, int K) {
        int r0 = (int) w0.rows(), r1 = (int) w1.rows(), r2 = (int) w2.rows();
        int blocks = (r0 + 3) / 4 + (r1 + 3) / 4 + (r2 + 3) / 4;
        String infix = gemvKernel.infix(nb, w0.dtype());
        List<Object> args = new ArrayList<>();
        for (Tensor w : new Tensor[]{w0, w1, w2}) addWeightArgs(args, w);
        addActivationArgs(args, infix, x, nb, K);
        args.addAll(List.of(y0, y1, y2, r0, r1, r2, K, nb));
        ctx.kernel("gemv", gemvEntry("gemv3", w0, infix, nb, FUSED_GEMV_MAX_ROWS)).launch(ctx.stream(), blocks, 1, 1, 128, 0, args.toArray());
    }

    /** {@code h (nb, rows) = silu(x . wg^T) * (x . wu^T)} in one launch ({@code gemv_swiglu_*}: w1, w3). */
    void gemvSwiglu(CUdeviceptr x, Tensor wg, Tensor wu, CUdeviceptr h, int nb, int K) {
        int rows = (int) wg.rows();
        if (wu.rows() != rows) throw new IllegalArgumentException("gemv_swiglu: w1 has " + rows + " rows, w3 " + wu.rows());
        String infix = gemvKernel.infix(nb, wg.dtype());
        List<Object> args = new ArrayList<>();
        addWeightArgs(args, wg);
        addWeightArgs(args, wu);
        addActivationArgs(args, infix, x, nb, K);
        args.addAll(List.of(h, rows, K, nb));
        ctx.kernel("gemv", gemvEntry("gemv_swiglu", wg, infix, nb, FUSED_GEMV_MAX_ROWS)).launch(ctx.stream(), (rows + 3) / 4, 1, 1, 128, 0, args.toArray());
    }

    /**
     * The activations' kernel parameters: {@code x} itself, or for the dp4a entries x (nb, K) quantised to Q8_0 by
     * {@code quantize_q8_f32} into scratch (int8 values, then one f32 scale per 32), as the CPU backend quantises them.
     */
    private void addActivationArgs(List<Object> args, String infix, CUdeviceptr x, int nb, int K) {
        if (!infix.equals(GemvKernel.DP4A_INFIX)) {
            args.add(x);
            return;
        }
        long blocks = (long) nb * K / 32;
        DeviceBuffer xq = scratch("gemv.xq", (long) nb * K), xd = scratch("gemv.xd", 4L * blocks);
        ctx.kernel("gemv", "quantize_q8_f32").launch1d(ctx.stream(), grid(blocks, 4), 128, x, xq, xd, blocks);   // a warp per block of 32
        args.add(xq.pointer());
        args.add(xd.pointer());
    }

    /** A weight's kernel parameters: its pointer, and for Q8_0/Q4_0 the pointer to its scales (split layout). */
    void addWeightArgs(List<Object> args, Tensor w) {
        long rowsK = w.rows() * w.cols();
        args.add(ptr(w));
        if (w.dtype() == DType.Q8_0) args.add(ptr(w, rowsK));
        else if (w.dtype() == DType.Q4_0) args.add(ptr(w, rowsK / 2));
    }

    /**
     * The GEMV entry of {@code family} for {@code w}'s dtype, a version {@code infix} and the smallest compiled batch
     * bucket (1, 2, 4, ... up to {@code maxBucket}) holding {@code nb} rows: {@code gemv_q8_0_v4_nb4}.
     */
    static String gemvEntry(String family, Tensor w, String infix, int nb, int maxBucket) {
        String dt = switch (w.dtype()) {
            case F16 -> "f16";
            case BF16 -> "bf16";
            case Q8_0 -> "q8_0";
            case Q4_0 -> "q4_0";
            case F32 -> throw new IllegalArgumentException("no vector GEMV entry with a batch bucket for F32 weights: " + w);
        };
        int bucket = 1;
        while (bucket < nb && bucket < maxBucket) bucket *= 2;
        return family + "_" + dt + infix + "_nb" + bucket;
    }

    private void gemm(CUdeviceptr out, CUdeviceptr x, Tensor w, int T, int n, int K) {
        CudaStream s = ctx.stream();
        boolean bf16 = w.dtype() == DType.BF16;
        DeviceBuffer a = scratch("gemm.a", 2L * T * K);
        long count = (long) T * K;
        ctx.kernel("convert", bf16 ? "f32_to_bf16" : "f32_to_f16").launch1d(s, grid(count), 256, x, a, count);
        CUdeviceptr wp = ptr(w);
        if (w.dtype() == DType.Q8_0 || w.dtype() == DType.Q4_0) {
            long wn = (long) n * K;
            DeviceBuffer wh = scratch("gemm.w", 2L * wn);
            if (w.dtype() == DType.Q8_0) ctx.kernel("convert", "dequant_q8_0_split_f16").launch1d(s, grid(wn), 256, ptr(w), ptr(w, wn), wh, wn);
            else ctx.kernel("convert", "dequant_q4_0_split_f16").launch1d(s, grid(wn), 256, ptr(w), ptr(w, wn / 2), wh, wn);
            wp = wh.pointer();
        }
        TensorCoreGemm g = gemmKernel;
        ctx.kernel("gemm", g.kernel(bf16)).launch(s, (n + g.tileN - 1) / g.tileN, (T + g.tileM - 1) / g.tileM, 1, g.threads, 0, a, wp, out, T, n, K);
    }

    /** Blocks of 256 threads for n work items of a grid-stride kernel, at most 16 per SM (the threads stride over the rest). */
    private int grid(long n) { return grid(n, 256); }

    /** Blocks for n work items of a grid-stride kernel taking {@code perBlock} items per block, at most 16 per SM. */
    private int grid(long n, int perBlock) { return (int) Math.max(1, Math.min((n + perBlock - 1) / perBlock, 16L * ctx.info().smCount())); }

    @Override public void rope(Tensor x, int[] positions, int headSize, float[] invFreq) {
        ctx.bind();
        if (positions.length != x.rows()) throw new IllegalArgumentException("rope: " + positions.length + " positions for " + x);
        DeviceBuffer freq = invFreqs.computeIfAbsent(invFreq, f -> {
            DeviceBuffer b = ctx.pool().allocate(4L * f.length, "rope inv_freq");
            ctx.upload(b, 0, f, 0, f.length, "rope inv_freq");
            return b;
        });
        DeviceBuffer pos = ints("positions", positions);
        ctx.kernel("rope", "rope_freq_f32").launch1d(ctx.stream(), positions.length, 128, ptr(x), pos, freq, (int) x.cols(), headSize);
    }

    @Override public void attention(Tensor out, Tensor q, int rowStart, int rows, Tensor keys, Tensor values, int kvLength,
                                    AttentionMask mask, int nHeads, int nKvHeads, int headSize) {
        ctx.bind();
        int dim = nHeads * headSize;
        float scale = (float) (1.0 / Math.sqrt(headSize));
        long qOff = 4L * rowStart * dim;
        int pos0 = kvLength - rows;
        CudaStream s = ctx.stream();
        if (!mask.isCausal()) {
            // tree verification: few rows, any head size; the mask as bits, packed once for all layers
            checkNaiveKeys("masked", kvLength, headSize);
            if (mask != packedMask || rows != packedRows || kvLength != packedKv) {
                packedBits = MaskBits.pack(mask, rows, kvLength);
                packedMask = mask;
                packedRows = rows;
                packedKv = kvLength;
            }
            DeviceBuffer bits = ints("attn.mask", packedBits);
            ctx.kernel("attention", "attn_masked_f32").launch(s, rows, nHeads, 1, 128, naiveScoreBytes(kvLength),
                    ptr(q, qOff), ptr(keys), ptr(values), ptr(out, qOff), bits, MaskBits.wordsPerRow(kvLength), kvLength,
                    nHeads, nKvHeads, headSize, scale);
            return;
        }
        boolean fast = headSize == 32 || headSize == 64 || headSize == 128;
        if (!fast) {
            checkNaiveKeys("naive", kvLength, headSize);
            ctx.kernel("attention", "attn_naive_f32").launch(s, rows, nHeads, 1, 128, naiveScoreBytes(kvLength),
                    ptr(q, qOff), ptr(keys), ptr(values), ptr(out, qOff), pos0, nHeads, nKvHeads, headSize, scale);
            return;
        }
        if (rows == 1) {
            int sms = ctx.info().smCount();
            int wantSplits = Math.max(1, (2 * sms + nHeads - 1) / nHeads);
            int chunk = Math.max(DECODE_MIN_CHUNK, ((kvLength + wantSplits - 1) / wantSplits + 31) / 32 * 32);
            int splits = (kvLength + chunk - 1) / chunk;
            DeviceBuffer meta = ints("attn.meta", new int[]{0, kvLength});   // slot 0, length
            DeviceBuffer po = scratch("attn.partial_o", 4L * nHeads * splits * headSize);
            DeviceBuffer pml = scratch("attn.partial_ml", 8L * nHeads * splits);
            ctx.kernel("attention", "attn_decode_split_f32").launch(s, splits, nHeads, 1, 128, 0,
                    ptr(q, qOff), ptr(keys), ptr(values), meta.pointer(), meta.pointer(4), 0L,
                    nHeads, nKvHeads, headSize, scale, chunk, po, pml);
            ctx.kernel("attention", "attn_decode_merge_f32").launch(s, nHeads, 1, 1, 128, 0,
                    po, pml, ptr(out, qOff), nHeads, headSize, splits);
        } else {
            int group = nHeads / nKvHeads;
            PrefillAttention a = prefillAttention;
            ctx.kernel("attention", a.kernel).launch(s, (rows * group + a.rowsPerBlock - 1) / a.rowsPerBlock, nKvHeads, 1, 128, 0,
                    ptr(q, qOff), ptr(keys), ptr(values), ptr(out, qOff), 0, 0L, pos0, rows, nHeads, nKvHeads, headSize, scale);
        }
    }

    /**
     * Keys the naive and masked kernels hold: their scores sit in dynamic shared memory, 4 bytes each, beside the
     * kernels' 128 bytes of static scratch; without an opt-in the two together must fit in 48 KB.
     */
    private static final int NAIVE_MAX_KEYS = (48 * 1024 - 128) / 4;

    /**
     * The naive and masked kernels' score buffer: 4 bytes a key, rounded up to whole 16-byte groups. The JIT-compiled
     * remainder of their unrolled read loop over the scores may read up to 3 scores past the last one (compute-sanitizer
     * memcheck on an H100 saw a 12-byte read past 70 scores, run 20261122-201923-ab23496); the values are never used,
     * but the read must stay inside the allocation. NAIVE_MAX_KEYS is a multiple of 4, so its check still holds.
     */
    static int naiveScoreBytes(int kvLength) { return 16 * ((kvLength + 3) / 4); }

    private static void checkNaiveKeys(String kernel, int kvLength, int headSize) {
        if (kvLength > NAIVE_MAX_KEYS) {
            throw new IllegalArgumentException(kernel + " attention keeps " + kvLength + " scores in shared memory; at most " + NAIVE_MAX_KEYS + " (head size " + headSize + ")");
        }
    }

    @Override public void siluMul(Tensor gate, Tensor up) {
        ctx.bind();
        long n = gate.numel();
        ctx.kernel("activation", "silu_mul_f32").launch1d(ctx.stream(), grid(n / 4 + 1), 256, ptr(gate), ptr(up), ptr(gate), n);
    }

    @Override public void add(Tensor x, Tensor y) {
        ctx.bind();
        long n = x.numel();
        ctx.kernel("activation", "add_f32").launch1d(ctx.stream(), grid(n / 4 + 1), 256, ptr(x), ptr(y), ptr(x), n);
    }

    @Override public void copyRows(Tensor dst, int dstRow, Tensor src, int srcRow, int rows) {
        ctx.bind();
        long cols = src.cols();
        if (dst.cols() != cols) throw new IllegalArgumentException("copyRows: " + src + " and " + dst + " differ in width");
        ctx.copy(buffer(dst), 4L * dstRow * cols, buffer(src), 4L * srcRow * cols, 4L * rows * cols, "copyRows " + src.name() + " -> " + dst.name());
    }

    /**
     * How many times a scratch buffer has moved (been given back for a larger one). A CUDA graph captured over scratch
     * buffers is valid while this count is what it was at the capture; after a move it may point at freed memory and
     * must be captured again ({@code CudaDecoder} checks before each replay).
     */
    long scratchMoves() { return scratchMoves; }

    /** While frozen (during a graph capture), a scratch buffer that would have to grow is an error instead. */
    void freezeScratch(boolean frozen) { this.scratchFrozen = frozen; }

    /** Returns a tensor made by this backend to the device memory pool (weights of a model being unloaded, a finished sequence's cache). */
    @Override public void free(Tensor t) {
        DeviceBuffer b = buffer(t);
        ctx.pool().free(b);              // first: it refuses a view, which then stays usable
        tensors.remove(b.address());
    }

    @Override public void close() {
        tensors.clear();
        invFreqs.clear();
        scratch.clear();
        ctx.close();
    }
}
