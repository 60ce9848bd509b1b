package dev.minerva.backend.cuda;

import dev.minerva.model.ModelConfig;
import dev.minerva.model.RopeFrequencies;
import dev.minerva.model.Weights;
import dev.minerva.tensor.DType;
import dev.minerva.tensor.Tensor;
import jcuda.driver.CUdeviceptr;

import java.util.HashMap;
import java.util.Map;

/**
 * Greedy batched decode of a Llama model with everything on the GPU: token ids, positions and
 * lengths live in device memory, the next tokens come from {@code argmax_f32} straight into the input
 * buffer, and {@code decode_advance} moves every sequence one position on. So a whole step (about
 * 15 launches per layer) is captured once per batch size into a {@link CudaGraph} and replayed with one
 * {@code cuGraphLaunch}; only the final token ids cross to the host.
 *
 * <p>The step is the forward pass of {@code dev.minerva.model.Llama} for one token per sequence, with
 * the same ops in the same order (rmsnorm, wq/wk/wv, RoPE with the model's frequencies, cache write,
 * split-KV attention, wo, residual, rmsnorm, w1/w3, SwiGLU, w2, residual; final norm, classifier).
 * KV cache: {@code (layer, slot, capacity, kv_heads, head_dim)} f32, one slot per batch row.
 * Head size must be 32, 64 or 128 (the split-KV kernel's).
 *
 * <p>Two versions of the step, kept side by side ({@link Step}); at batch 1 a step is hundreds of small kernels,
 * so each launch removed is time the weights' stream does not wait. From {@link CudaBackend#gemmMinRows()} rows up
 * the matmuls run on the tensor-core GEMM instead of the GEMV kernels (both steps).
 */
public final class CudaDecoder implements AutoCloseable {
    private static final int CHUNK = 256;

    /**
     * How a step is launched. {@code -Dminerva.cuda.decoder=plain|fused|lean} picks it; default {@link #FUSED}, which on an
     * H100 (gpu-check run {@code 20261122-195536-fa66a92}, TinyLlama shape, CUDA graph) decoded F16 at 706 tokens/s
     * at batch 1 against PLAIN's 567, and 2726 against 2048 at batch 8, with logits equal to the CPU engine's.
     */
    public enum Step {
        /** v1: one launch per op, as the forward pass reads (rope on q, rope on k, cache append, residual add, ...). */
        PLAIN,
        /**
         * v2: RoPE on q and k and the cache write in one launch ({@code rope_freq_kv_append_f32}), the residual add
         * after w2 folded into the next rmsnorm ({@code add_rmsnorm_f32}, as after wo), and for batches up to
         * {@value CudaBackend#FUSED_GEMV_MAX_ROWS} wq/wk/wv in one GEMV launch ({@code gemv3_*}: no split-K reduces for
         * the few rows of wk and wv) and w1/w3 with SwiGLU in one ({@code gemv_swiglu_*}). TinyLlama at batch 1: 9
         * launches per layer instead of 18.
         */
        FUSED,
        /**
         * v3: for batches up to {@value LayerKernels#MAX_ROWS} a layer is 5 launches ({@link LayerKernels}, {@code layer.cu}):
         * the rmsnorm becomes the prologue of the GEMV after it, RoPE and the cache write the epilogue of wq/wk/wv, the
         * residual adds the epilogues of wo and w2, the attention merge the last block of the split kernel
         * ({@code attn_decode_f32}), and Q8_0's and Q4_0's activation quantisation the prologue of their dp4a GEMVs. Larger batches,
         * and weights the layer kernels do not take, run {@link #FUSED}. With {@code -Dminerva.cuda.pdl=true} those
         * launches are programmatic dependent launches. Checked on the emulator only so far.
         */
        LEAN;

        static Step configured() { return KernelVersion.configured("minerva.cuda.decoder", FUSED, values()); }
    }

    private final CudaBackend gpu;
    private final CudaContext ctx;
    private final ModelConfig c;
    private final int maxBatch, capacity, maxSplits;
    private final Step step;
    private final Tensor tok, rmsFinal, wcls;
    private final Tensor[][] layers;   // rms_att, wq, wk, wv, wo, rms_ffn, w1, w2, w3
    private final DeviceBuffer tokens, pos, lens, slots, invFreq, kcache, vcache, partialO, partialMl;
    private final Tensor x, xb, q, k, v, att, hb, hb2, logits;
    private final Map<Integer, CudaGraph> graphs = new HashMap<>();
    private final LayerKernels layer;
    private final boolean leanLayers;  // every layer's matrices (and the classifier, else it runs apart) fit LayerKernels
    private final DeviceBuffer attnCounters;   // attn_decode_f32's (batch, head) arrival counters, zero between launches
    private final int[] hostPos;       // mirror of the device positions, to refuse running past the capacity

    /**
     * Uploads {@code weights} and allocates state for up to {@code maxBatch} sequences of {@code capacity} positions.
     *
     * @throws IllegalArgumentException if the head size is not 32, 64 or 128
     */
    public CudaDecoder(CudaBackend gpu, Weights weights, int maxBatch, int capacity) {
        this(gpu, weights, maxBatch, capacity, Step.configured());
    }

    /** As {@link #CudaDecoder(CudaBackend, Weights, int, int)}, with the step version given. */
    public CudaDecoder(CudaBackend gpu, Weights weights, int maxBatch, int capacity, Step step) {
        this.gpu = gpu;
        this.step = step;
        this.ctx = gpu.context();
        this.c = weights.config();
        int hs = c.headSize();
        if (hs != 32 && hs != 64 && hs != 128) throw new IllegalArgumentException("CudaDecoder needs head size 32, 64 or 128, model has " + hs);
        this.maxBatch = maxBatch;
        this.capacity = capacity;
        this.maxSplits = (capacity + CHUNK - 1) / CHUNK;
        this.layers = new Tensor[c.nLayers()][];
        String[] fields = {"rms_att", "wq", "wk", "wv", "wo", "rms_ffn", "w1", "w2", "w3"};
        for (int l = 0; l < layers.length; l++) {
            layers[l] = new Tensor[fields.length];
            for (int f = 0; f < fields.length; f++) layers[l][f] = gpu.load(weights.layer(l, fields[f]));
        }
        this.tok = gpu.load(weights.get("tok_embeddings"));
        this.rmsFinal = gpu.load(weights.get("rms_final"));
        this.wcls = c.tiedEmbeddings() ? tok : gpu.load(weights.get("wcls"));
        DeviceMemoryPool pool = ctx.pool();
        tokens = pool.allocate(4L * maxBatch, "decoder tokens");
        pos = pool.allocate(4L * maxBatch, "decoder positions");
        lens = pool.allocate(4L * maxBatch, "decoder lengths");
        slots = pool.allocate(4L * maxBatch, "decoder slots");
        int[] s = new int[maxBatch];
        for (int i = 0; i < s.length; i++) s[i] = i;
        ctx.upload(slots, 0, s, "decoder slots");
        // every row starts valid (position 0, one key, token 0): the warm-up step runs all maxBatch rows
        this.hostPos = new int[maxBatch];
        int[] ones = new int[maxBatch];
        java.util.Arrays.fill(ones, 1);
        ctx.upload(pos, 0, new int[maxBatch], "decoder positions");
        ctx.upload(lens, 0, ones, "decoder lengths");
        ctx.upload(tokens, 0, new int[maxBatch], "decoder tokens");
        float[] f = RopeFrequencies.of(c);
        invFreq = pool.allocate(4L * f.length, "rope inv_freq");
        ctx.upload(invFreq, 0, f, 0, f.length, "rope inv_freq");
        long cacheBytes = 4L * c.nLayers() * maxBatch * capacity * c.kvDim();
        kcache = pool.allocate(cacheBytes, "key cache (" + c.nLayers() + " layers x " + maxBatch + " x " + capacity + " x " + c.kvDim() + ")");
        vcache = pool.allocate(cacheBytes, "value cache");
        partialO = pool.allocate(4L * maxBatch * c.nHeads() * maxSplits * hs, "attention partial o");
        partialMl = pool.allocate(8L * maxBatch * c.nHeads() * maxSplits, "attention partial m,l");
        x = gpu.allocate("x", maxBatch, c.dim());
        xb = gpu.allocate("xb", maxBatch, c.dim());
        q = gpu.allocate("q", maxBatch, c.dim());
        k = gpu.allocate("k", maxBatch, c.kvDim());
        v = gpu.allocate("v", maxBatch, c.kvDim());
        att = gpu.allocate("att", maxBatch, c.dim());
        hb = gpu.allocate("hb", maxBatch, c.hiddenDim());
        hb2 = gpu.allocate("hb2", maxBatch, c.hiddenDim());
        logits = gpu.allocate("logits", maxBatch, c.vocabSize());
        layer = new LayerKernels(gpu, LayerKernels.configuredBlocksPerSm(), LayerKernels.configuredPdl());
        boolean lean = true;
        int n = LayerKernels.MAX_ROWS;
        for (Tensor[] L : layers) {
            lean &= layer.applies(n, c.dim(), true, L[1], L[2], L[3]) && L[1].rows() % 2 == 0 && L[2].rows() % 2 == 0
                    && layer.applies(n, c.dim(), false, L[4]) && layer.applies(n, c.dim(), true, L[6], L[8])
                    && layer.applies(n, c.hiddenDim(), false, L[7]);
        }
        this.leanLayers = lean;
        attnCounters = pool.allocate(4L * maxBatch * c.nHeads(), "attention arrival counters");
        ctx.upload(attnCounters, 0, new int[maxBatch * c.nHeads()], "attention arrival counters");
    }

    /**
     * Starts {@code first.length} sequences at position 0 with these first tokens (clears their caches'
     * lengths; old cache contents are never read past a sequence's length).
     */
    public void start(int[] first) {
        if (first.length == 0 || first.length > maxBatch) throw new IllegalArgumentException("batch " + first.length + " outside 1.." + maxBatch);
        for (int t : first) if (t < 0 || t >= c.vocabSize()) throw new IllegalArgumentException("token id " + t + " outside vocabulary of " + c.vocabSize());
        ctx.upload(tokens, 0, first, "decoder first tokens");
        ctx.upload(pos, 0, new int[first.length], "decoder positions");
        int[] one = new int[first.length];
        java.util.Arrays.fill(one, 1);
        ctx.upload(lens, 0, one, "decoder lengths");
        java.util.Arrays.fill(hostPos, 0, first.length, 0);
    }

    private void advance(int B, int steps) {
        for (int i = 0; i < B; i++) {
            if (hostPos[i] + steps > capacity) {
                throw new IllegalStateException("sequence " + i + " at position " + hostPos[i] + " + " + steps + " steps exceeds the decoder capacity " + capacity);
            }
        }
        for (int i = 0; i < B; i++) hostPos[i] += steps;
    }

    /** Queues one decode step for sequences 0..B-1 (no host copies, no allocation: capturable). */
    void enqueueStep(int B) {
        CudaStream s = ctx.stream();
        int dim = c.dim(), kvDim = c.kvDim(), hs = c.headSize(), nH = c.nHeads(), nKv = c.nKvHeads();
        float eps = (float) c.rmsEps(), scale = (float) (1.0 / Math.sqrt(hs));
        long layerStride = 4L * maxBatch * capacity * kvDim;     // bytes per layer in each cache
        long slotStride = (long) capacity * kvDim;               // floats per slot
        boolean gemm = B >= gpu.gemmMinRows();   // the fused GEMVs are GEMVs: above the crossover, the GEMM instead
        if (step == Step.LEAN && !gemm && leanLayers && B <= LayerKernels.MAX_ROWS) {
            enqueueLeanStep(B);
            return;
        }
        boolean fused = step != Step.PLAIN;
        embed(B);
        for (int l = 0; l < layers.length; l++) {
            Tensor[] L = layers[l];
            // fused: the previous layer's w2 output (in xb) is added to x here, with the norm
            if (fused && l > 0) addRmsnorm(x, xb, L[0], B, eps);
            else rmsnorm(xb, x, L[0], B, eps);
            if (fused && !gemm && CudaBackend.fusedGemvApplies(B, dim, L[1], L[2], L[3])) {
                gpu.gemv3(p(xb), L[1], L[2], L[3], p(q), p(k), p(v), B, dim);
            } else {
                gpu.matmulRows(p(q), p(xb), L[1], B, dim, dim);
                gpu.matmulRows(p(k), p(xb), L[2], B, kvDim, dim);
                gpu.matmulRows(p(v), p(xb), L[3], B, kvDim, dim);
            }
            CUdeviceptr kc = kcache.pointer(l * layerStride), vc = vcache.pointer(l * layerStride);
            if (fused) {
                ctx.kernel("rope", "rope_freq_kv_append_f32").launch1d(s, B, 128, p(q), p(k), p(v), kc, vc, pos, slots, slotStride, invFreq, nH, nKv, hs);
            } else {
                ctx.kernel("rope", "rope_freq_f32").launch1d(s, B, 128, p(q), pos, invFreq, dim, hs);
                ctx.kernel("rope", "rope_freq_f32").launch1d(s, B, 128, p(k), pos, invFreq, kvDim, hs);
                ctx.kernel("attention", "kv_append_f32").launch1d(s, B, 128, p(k), p(v), kc, vc, pos, slots, slotStride, kvDim);
            }
            ctx.kernel("attention", "attn_decode_split_f32").launch(s, maxSplits, nH, B, 128, 0,
                    p(q), kc, vc, slots, lens, slotStride, nH, nKv, hs, scale, CHUNK, partialO, partialMl);
            ctx.kernel("attention", "attn_decode_merge_f32").launch(s, nH, B, 1, 128, 0, partialO, partialMl, p(att), nH, hs, maxSplits);
            gpu.matmulRows(p(xb), p(att), L[4], B, dim, dim);
            addRmsnorm(x, xb, L[5], B, eps);   // x += xb; xb = rmsnorm(x) * rms_ffn
            if (fused && !gemm && CudaBackend.fusedGemvApplies(B, dim, L[6], L[8])) {
                gpu.gemvSwiglu(p(xb), L[6], L[8], p(hb), B, dim);   // hb = silu(w1 x) * w3 x
            } else {
                gpu.matmulRows(p(hb), p(xb), L[6], B, c.hiddenDim(), dim);
                gpu.matmulRows(p(hb2), p(xb), L[8], B, c.hiddenDim(), dim);
                long nh = (long) B * c.hiddenDim();
                ctx.kernel("activation", "silu_mul_f32").launch1d(s, (int) Math.min(nh / 1024 + 1, 2048), 256, p(hb), p(hb2), p(hb), nh);
            }
            gpu.matmulRows(p(xb), p(hb), L[7], B, dim, c.hiddenDim());
            if (!fused) {
                long nx = (long) B * dim;
                ctx.kernel("activation", "add_f32").launch1d(s, (int) Math.min(nx / 1024 + 1, 2048), 256, p(x), p(xb), p(x), nx);
            }
        }
        if (fused) addRmsnorm(x, xb, rmsFinal, B, eps);
        else rmsnorm(xb, x, rmsFinal, B, eps);
        gpu.matmulRows(p(logits), p(xb), wcls, B, c.vocabSize(), dim);
        sampleAndAdvance(B);
    }

    /**
     * The lean step (v3): per layer qkv_rope (norm, wq/wk/wv, RoPE, cache write), attention (split and merge), wo adding
     * into x, swiglu_norm (norm, w1/w3, SwiGLU), w2 adding into x. x holds the whole residual stream after every layer.
     */
    private void enqueueLeanStep(int B) {
        int dim = c.dim(), kvDim = c.kvDim(), hs = c.headSize(), nH = c.nHeads(), nKv = c.nKvHeads();
        float eps = (float) c.rmsEps(), scale = (float) (1.0 / Math.sqrt(hs));
        long layerStride = 4L * maxBatch * capacity * kvDim;
        long slotStride = (long) capacity * kvDim;
        embed(B);
        for (int l = 0; l < layers.length; l++) {
            Tensor[] L = layers[l];
            CUdeviceptr kc = kcache.pointer(l * layerStride), vc = vcache.pointer(l * layerStride);
            layer.qkvRope(p(x), L[0], eps, L[1], L[2], L[3], p(q), kc, vc, pos, slots, slotStride, invFreq, B, dim, hs);
            layer.launch(ctx.kernel("attention", "attn_decode_f32"), maxSplits, nH, B, 0,
                    p(q), kc, vc, slots, lens, slotStride, nH, nKv, hs, scale, CHUNK, partialO, partialMl, p(att), attnCounters);
            layer.residual(p(att), L[4], p(x), B, dim);                 // x += att . wo^T
            layer.swigluNorm(p(x), L[5], eps, L[6], L[8], p(hb), B, dim);
            layer.residual(p(hb), L[7], p(x), B, c.hiddenDim());      // x += hb . w2^T
        }
        if (layer.applies(B, dim, true, wcls)) {
            layer.normGemv(p(x), rmsFinal, eps, wcls, p(logits), B, dim);
        } else {
            rmsnorm(xb, x, rmsFinal, B, eps);
            gpu.matmulRows(p(logits), p(xb), wcls, B, c.vocabSize(), dim);
        }
        sampleAndAdvance(B);
    }

    /** Greedy next tokens into the input buffer, then every sequence one position on. */
    private void sampleAndAdvance(int B) {
        CudaStream s = ctx.stream();
        ctx.kernel("sample", "argmax_f32").launch1d(s, B, 1024, p(logits), c.vocabSize(), tokens);
        ctx.kernel("sample", "decode_advance").launch1d(s, 1, 128, pos, lens, B);
    }

    /** {@code x += delta; delta = rmsnorm(x) * w} in one launch. */
    private void addRmsnorm(Tensor x, Tensor delta, Tensor w, int B, float eps) {
        int dim = c.dim();
        ctx.kernel("rmsnorm", "add_rmsnorm_f32").launch1d(ctx.stream(), B, dim >= 2048 ? 512 : 256, p(x), p(delta), gpu.buffer(w), p(delta), dim, eps);
    }

    private void embed(int B) {
        CudaStream s = ctx.stream();
        int dim = c.dim();
        long vocab = c.vocabSize();
        switch (tok.dtype()) {
            case F32 -> ctx.kernel("embedding", "embedding_f32").launch1d(s, B, 256, p(tok), tokens, p(x), dim);
            case F16 -> ctx.kernel("embedding", "embedding_f16").launch1d(s, B, 256, p(tok), tokens, p(x), dim);
            case BF16 -> ctx.kernel("embedding", "embedding_bf16").launch1d(s, B, 256, p(tok), tokens, p(x), dim);
            case Q8_0 -> ctx.kernel("embedding", "embedding_q8_0").launch1d(s, B, 256, p(tok), gpu.buffer(tok).pointer(vocab * dim), tokens, p(x), dim);
            case Q4_0 -> ctx.kernel("embedding", "embedding_q4_0").launch1d(s, B, 256, p(tok), gpu.buffer(tok).pointer(vocab * dim / 2), tokens, p(x), dim);
        }
    }

    private void rmsnorm(Tensor out, Tensor in, Tensor w, int B, float eps) {
        ctx.kernel("rmsnorm", "rmsnorm_f32").launch1d(ctx.stream(), B, c.dim() >= 2048 ? 512 : 256, p(in), p(w), p(out), c.dim(), eps);
    }

    private CUdeviceptr p(Tensor t) { return gpu.buffer(t).pointer(); }

    /**
     * Runs {@code steps} greedy steps for the first {@code B} sequences (after {@link #start}), replaying the
     * batch size's graph (captured on first use, after one eager warm-up step at the largest batch so no
     * scratch buffer moves later). The warm-up step is not counted: call {@link #start} again to restart.
     *
     * @return the generated token ids, (steps, B)
     */
    public int[][] run(int B, int steps, boolean useGraph) {
        if (B < 1 || B > maxBatch) throw new IllegalArgumentException("batch " + B + " outside 1.." + maxBatch);
        int[][] out = new int[steps][B];
        CudaGraph g = useGraph ? graph(B) : null;
        advance(B, steps);
        for (int i = 0; i < steps; i++) {
            if (g != null) g.launch(ctx.stream()); else enqueueStep(B);
            ctx.download(out[i], tokens, 0, "decoded tokens");     // one small copy per step; drop it to time pure decode
        }
        return out;
    }

    /** Queues {@code steps} replays and waits once: pure device time of decode (tokens read at the end). */
    public void runQueued(int B, int steps) {
        CudaGraph g = graph(B);
        advance(B, steps);
        for (int i = 0; i < steps; i++) g.launch(ctx.stream());
        ctx.synchronize("decode graph replays");
    }

    private CudaGraph graph(int B) {
        CudaGraph g = graphs.get(B);
        if (g == null) {
            if (graphs.isEmpty()) {
                // size every scratch buffer at its largest, then freeze them for the graphs' lifetime;
                // the warm-up advances positions, so restore them afterwards
                int[] p0 = new int[maxBatch], l0 = new int[maxBatch], t0 = new int[maxBatch];
                ctx.download(p0, pos, 0, "positions");
                ctx.download(l0, lens, 0, "lengths");
                ctx.download(t0, tokens, 0, "tokens");
                // each path's scratch is largest at its largest batch: the GEMM's at maxBatch, the plain GEMVs' (split-K
                // partials) just below the crossover, the fused and dp4a GEMVs' (quantised activations) at 8 rows
                java.util.TreeSet<Integer> warm = new java.util.TreeSet<>(java.util.Comparator.reverseOrder());
                for (int b : new int[]{maxBatch, gpu.gemmMinRows() - 1, GemvKernel.V4_MAX_ROWS}) if (b >= 1 && b <= maxBatch) warm.add(b);
                for (int b : warm) enqueueStep(b);
                ctx.synchronize("decoder warm-up");
                ctx.upload(pos, 0, p0, "positions");
                ctx.upload(lens, 0, l0, "lengths");
                ctx.upload(tokens, 0, t0, "tokens");
                gpu.freezeScratch(true);
            }
            g = new CudaGraph("decode step batch " + B, ctx.stream(), () -> enqueueStep(B));
            graphs.put(B, g);
        }
        return g;
    }

    /** Logits of the last step, (B, vocab), on the host. */
    public float[] logits(int B) { return gpu.read(logits, 0, B); }

    public ModelConfig config() { return c; }

    public Step step() { return step; }

    @Override public void close() {
        for (CudaGraph g : graphs.values()) g.close();
        graphs.clear();
        gpu.freezeScratch(false);
    }
}
