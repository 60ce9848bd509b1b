package dev.minerva.backend.cuda;

import dev.minerva.engine.KvCache;
import dev.minerva.engine.KvView;
import dev.minerva.engine.Sampler;
import dev.minerva.model.ModelConfig;
import dev.minerva.model.RopeFrequencies;
import dev.minerva.model.Weights;
import dev.minerva.tensor.DType;
import dev.minerva.tensor.Tensor;
import jcuda.driver.CUdeviceptr;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Batched decode of a Llama model with everything on the GPU: token ids, positions and
 * lengths live in device memory, the next tokens come from the device sampler ({@link Sampling}: {@code argmax_prob_f32},
 * or {@code sample_topkp_f32} with its counter-based generator) straight into the input buffer, and
 * {@code decode_advance} moves every sequence one position on. So a whole step (about 15 launches per layer) is
 * captured once per batch size into a {@link CudaGraph} and replayed with one {@code cuGraphLaunch}; only the picked
 * token ids and their probabilities cross to the host.
 *
 * <p>Sequences start either at position 0 from one token ({@link #start}) or after a prompt that {@code Llama} ran on
 * the same backend into {@link #kvCache()} (the decoder's own cache slots) over {@link #deviceWeights()} (the same
 * uploaded weights), picked from with {@link #begin}; {@link CudaGeneration} is that path.
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
         * launches are programmatic dependent launches, and with {@code -Dminerva.cuda.layerPrefetch=true} as well each
         * block asks L2 for its weight rows before it waits. Checked on the emulator only so far.
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
    private final DeviceBuffer tokens, pos, lens, slots, invFreq, kcache, vcache, partialO, partialMl, probs, rng;
    private final Tensor x, xb, q, k, v, att, hb, hb2, logits;
    private final Map<Integer, CudaGraph> graphs = new HashMap<>();
    private long graphsScratchMoves;     // the backend's scratch moves when the graphs were captured
    private final LayerKernels layer;
    private final boolean leanLayers;  // every layer's matrices (and the classifier, else it runs apart) fit LayerKernels
    private final DeviceBuffer attnCounters;   // attn_decode_f32's (batch, head) arrival counters, zero between launches
    private final int[] hostPos;       // mirror of the device positions (= keys in each slot's cache), to refuse running past the capacity
    private final Map<String, Tensor> deviceWeights = new LinkedHashMap<>();
    private final List<Tensor> cacheViews = new ArrayList<>();
    private final List<Tensor> uploaded = new ArrayList<>();   // weights this decoder put on the device, freed by close()
    private Tensor[][] keyViews, valueViews;   // (layer, slot), made on first use of kvCache()
    private Sampling sampling = Sampling.GREEDY;
    private boolean closed;

    /**
     * How the step picks the next tokens, on the device. Part of the captured graphs (kernel arguments), so changing
     * it ({@link #sampling(Sampling)}) drops them. {@code sample_topkp_f32} draws from a counter-based generator seeded
     * with {@code seed}: the same seed gives the same tokens run after run, but not the CPU {@code Sampler}'s tokens.
     */
    public record Sampling(float temperature, int topK, float topP, long seed) {
        /** argmax, ties to the smallest id, with the softmax probability of the pick: the CPU greedy sampler's choice. */
        public static final Sampling GREEDY = new Sampling(0, 0, 1, 0);

        public Sampling {
            if (!(temperature >= 0)) throw new IllegalArgumentException("temperature must be >= 0: " + temperature);
            if (topK < 0) throw new IllegalArgumentException("top-k must be >= 0: " + topK);
            if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must be in (0, 1]: " + topP);
        }

        public boolean greedy() { return temperature == 0; }

        /** The device version of {@code s}, or {@code null} when the device sampler cannot do what it does (min-p). */
        public static Sampling of(Sampler s) {
            if (s.isGreedy()) return GREEDY;
            return s.minP() > 0 ? null : new Sampling(s.temperature(), s.topK(), s.topP(), s.seed());
        }
    }

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
        if (!headSizeSupported(hs)) throw new IllegalArgumentException("CudaDecoder needs head size 32, 64 or 128, model has " + hs);
        this.maxBatch = maxBatch;
        this.capacity = capacity;
        this.maxSplits = (capacity + CHUNK - 1) / CHUNK;
        this.layers = new Tensor[c.nLayers()][];
        String[] fields = {"rms_att", "wq", "wk", "wv", "wo", "rms_ffn", "w1", "w2", "w3"};
        for (int l = 0; l < layers.length; l++) {
            layers[l] = new Tensor[fields.length];
            for (int f = 0; f < fields.length; f++) layers[l][f] = upload(weights, Weights.name(l, fields[f]));
        }
        this.tok = upload(weights, "tok_embeddings");
        this.rmsFinal = upload(weights, "rms_final");
        this.wcls = c.tiedEmbeddings() ? tok : upload(weights, "wcls");
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
        probs = pool.allocate(4L * maxBatch, "decoder pick probabilities");
        rng = pool.allocate(16, "decoder sampler state (seed, counter)");
        uploadRng(0);
        x = gpu.allocate("x", maxBatch, c.dim());
        xb = gpu.allocate("xb", maxBatch, c.dim());
        q = gpu.allocate("q", maxBatch, c.dim());
        k = gpu.allocate("k", maxBatch, c.kvDim());
        v = gpu.allocate("v", maxBatch, c.kvDim());
        att = gpu.allocate("att", maxBatch, c.dim());
        hb = gpu.allocate("hb", maxBatch, c.hiddenDim());
        hb2 = gpu.allocate("hb2", maxBatch, c.hiddenDim());
        logits = gpu.allocate("logits", maxBatch, c.vocabSize());
        layer = new LayerKernels(gpu, LayerKernels.configuredBlocksPerSm(), LayerKernels.configuredPdl(), LayerKernels.configuredPrefetch());
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

    private Tensor upload(Weights w, String name) {
        Tensor host = w.get(name), t = gpu.load(host);
        deviceWeights.put(name, t);
        if (t != host) uploaded.add(t);                  // weights already on the device stay their owner's
        return t;
    }

    private void uploadRng(long seed) {
        ctx.upload(rng, 0, new int[]{(int) seed, (int) (seed >>> 32), 0, 0}, "decoder sampler state (seed, counter 0)");
    }

    /**
     * The weights as uploaded, under their usual names: a {@code Llama} made from them on the same backend shares
     * them (its loads find them on the device) instead of uploading a second copy.
     */
    public Weights deviceWeights() { return new Weights(c, deviceWeights); }

    /** Sets how the next steps pick tokens (and restarts the sampler's counter); drops the graphs captured for another. */
    public void sampling(Sampling s) {
        if (!s.equals(sampling)) {
            dropGraphs();
            sampling = s;
        }
        uploadRng(s.seed());
    }

    /**
     * Drops the captured graphs; the next step captures afresh. Needed only when the graphs' arguments change
     * ({@link #sampling}): when other work on the backend moves a scratch buffer the graphs use (a prefill of a longer
     * prompt than any before), the next step notices ({@link CudaBackend#scratchMoves}) and drops them itself.
     */
    private void dropGraphs() {
        for (CudaGraph g : graphs.values()) g.close();
        graphs.clear();
    }

    public Sampling sampling() { return sampling; }

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

    /**
     * The decoder's cache as a {@link KvCache}: sequence id {@code s} is slot {@code s} (0 ≤ s < maxBatch), each layer's
     * keys and values a view of the slot's {@code (capacity, kvDim)} rows. A {@code Llama} on the same backend prefills
     * a prompt into it; {@link #begin} then picks the first token and the decode steps go on from there.
     */
    public KvCache kvCache() {
        if (keyViews == null) {
            int L = c.nLayers();
            keyViews = new Tensor[L][maxBatch];
            valueViews = new Tensor[L][maxBatch];
            long slotBytes = 4L * capacity * c.kvDim(), layerBytes = slotBytes * maxBatch;
            for (int l = 0; l < L; l++) {
                for (int b = 0; b < maxBatch; b++) {
                    long off = l * layerBytes + b * slotBytes;
                    String at = " layer " + l + " slot " + b;
                    keyViews[l][b] = gpu.view("key cache" + at, kcache.view(off, slotBytes, "key cache" + at), capacity, c.kvDim());
                    valueViews[l][b] = gpu.view("value cache" + at, vcache.view(off, slotBytes, "value cache" + at), capacity, c.kvDim());
                    cacheViews.add(keyViews[l][b]);
                    cacheViews.add(valueViews[l][b]);
                }
            }
        }
        return new SlotCache();
    }

    /** {@link #kvCache()}: lengths are {@code hostPos}, the positions the decode steps also read. */
    private final class SlotCache implements KvCache {
        @Override public int capacity() { return capacity; }

        @Override public int length(int seqId) { return hostPos[slot(seqId)]; }

        @Override public int append(int seqId, int n) {
            int s = slot(seqId), first = hostPos[s];
            if (n < 0 || first + n > capacity) {
                throw new IllegalStateException("slot " + s + " has " + first + " of " + capacity + " KV positions; cannot add " + n + " (decoder capacity)");
            }
            hostPos[s] = first + n;
            return first;
        }

        @Override public void write(int layer, int seqId, int slot, Tensor k, int row, int rows, Tensor v) {
            int s = slot(seqId);
            gpu.copyRows(keyViews[layer][s], slot, k, row, rows);
            gpu.copyRows(valueViews[layer][s], slot, v, row, rows);
        }

        @Override public KvView view(int layer, int seqId) {
            int s = slot(seqId);
            return new KvView(keyViews[layer][s], valueViews[layer][s], hostPos[s]);
        }

        @Override public void truncate(int seqId, int length) {
            int s = slot(seqId);
            if (length < 0 || length > hostPos[s]) throw new IllegalArgumentException("cannot truncate slot " + s + " of length " + hostPos[s] + " to " + length);
            hostPos[s] = length;
        }

        @Override public void free(int seqId) { hostPos[slot(seqId)] = 0; }

        private int slot(int seqId) {
            if (seqId < 0 || seqId >= maxBatch) throw new IllegalArgumentException("sequence id " + seqId + " is not a decoder slot (0.." + (maxBatch - 1) + ")");
            return seqId;
        }
    }

    /**
     * Picks the token after slot {@code slot}'s prefilled keys from {@code logits} row {@code row} (the prefill's
     * output, on this backend) with the current {@link Sampling}, and sets the slot up for decode steps: that token at
     * position = its cache length.
     */
    public Sampler.Sample begin(int slot, Tensor logits, int row) {
        if (slot < 0 || slot >= maxBatch) throw new IllegalArgumentException("slot " + slot + " outside 0.." + (maxBatch - 1));
        int len = hostPos[slot];
        // len == capacity is allowed: the pick needs no room, only a step after it would (advance refuses that one)
        if (len == 0) throw new IllegalStateException("slot " + slot + " holds no keys: prefill a prompt into kvCache() first");
        if (logits.cols() != c.vocabSize()) throw new IllegalArgumentException("logits " + logits + " are not (rows, " + c.vocabSize() + ")");
        pick(gpu.buffer(logits).pointer(4L * row * c.vocabSize()), 1, tokens.pointer(4L * slot), probs.pointer(4L * slot));
        ctx.upload(pos, 4L * slot, new int[]{len}, "decoder position");
        ctx.upload(lens, 4L * slot, new int[]{len + 1}, "decoder length");
        return picked(slot, 1)[0];
    }

    /** Replaces the next input token of sequence {@code slot} (a token the host picked or forced). */
    public void feed(int slot, int token) {
        if (token < 0 || token >= c.vocabSize()) throw new IllegalArgumentException("token id " + token + " outside vocabulary of " + c.vocabSize());
        ctx.upload(tokens, 4L * slot, new int[]{token}, "decoder input token");
    }

    /** One step for sequences 0..B-1 (graph replay) and what it picked for each. */
    public Sampler.Sample[] next(int B) {
        if (B < 1 || B > maxBatch) throw new IllegalArgumentException("batch " + B + " outside 1.." + maxBatch);
        CudaGraph g = graph(B);
        advance(B, 1);
        g.launch(ctx.stream());
        return picked(0, B);
    }

    private Sampler.Sample[] picked(int from, int n) {
        int[] t = new int[n];
        float[] p = new float[n];
        ctx.download(t, tokens, 4L * from, "picked tokens");
        ctx.download(p, 0, probs, 4L * from, n, "picked probabilities");
        Sampler.Sample[] out = new Sampler.Sample[n];
        for (int i = 0; i < n; i++) out[i] = new Sampler.Sample(t[i], p[i]);
        return out;
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

    /** The next tokens into the input buffer, then every sequence one position on. */
    private void sampleAndAdvance(int B) {
        pick(p(logits), B, tokens.pointer(), probs.pointer());
        ctx.kernel("sample", "decode_advance").launch1d(ctx.stream(), 1, 128, pos, lens, B);
    }

    /** Picks a token from each of {@code rows} logits rows with the current {@link Sampling} (one block per row). */
    private void pick(CUdeviceptr rowLogits, int rows, CUdeviceptr outTokens, CUdeviceptr outProbs) {
        CudaStream s = ctx.stream();
        Sampling m = sampling;
        if (m.greedy()) {
            ctx.kernel("sample", "argmax_prob_f32").launch1d(s, rows, 1024, rowLogits, c.vocabSize(), outTokens, outProbs);
        } else {
            ctx.kernel("sample", "sample_topkp_f32").launch1d(s, rows, 1024, rowLogits, c.vocabSize(), m.temperature(), m.topK(), m.topP(), rng, outTokens, outProbs);
            ctx.kernel("sample", "rng_advance").launch1d(s, 1, 1, rng, rows);
        }
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
        if (!graphs.isEmpty() && gpu.scratchMoves() != graphsScratchMoves) dropGraphs();   // they may point at freed scratch
        CudaGraph g = graphs.get(B);
        if (g == null) {
            if (graphs.isEmpty()) {
                // size every scratch buffer at its largest before the first capture, so that capturing another batch
                // size later moves none; the warm-up advances positions, so restore them afterwards
                int[] p0 = new int[maxBatch], l0 = new int[maxBatch], t0 = new int[maxBatch], r0 = new int[4];
                ctx.download(p0, pos, 0, "positions");
                ctx.download(l0, lens, 0, "lengths");
                ctx.download(t0, tokens, 0, "tokens");
                ctx.download(r0, rng, 0, "sampler state");   // so that step i draws with counter i, warm-up or not
                // each path's scratch is largest at its largest batch: the GEMM's at maxBatch, the plain GEMVs' (split-K
                // partials) just below the crossover, the fused and dp4a GEMVs' (quantised activations) at 8 rows
                java.util.TreeSet<Integer> warm = new java.util.TreeSet<>(java.util.Comparator.reverseOrder());
                for (int b : new int[]{maxBatch, gpu.gemmMinRows() - 1, GemvKernel.V4_MAX_ROWS}) if (b >= 1 && b <= maxBatch) warm.add(b);
                // every warm-up step starts from the same positions, each with a row to write: a full slot (one a finished
                // generation left at position == capacity) writes its last row, not the next slot's or layer's first
                int[] p1 = p0.clone(), l1 = l0.clone();
                for (int i = 0; i < maxBatch; i++) if (p1[i] >= capacity) { p1[i] = capacity - 1; l1[i] = capacity; }
                for (int b : warm) {
                    ctx.upload(pos, 0, p1, "positions for the warm-up");
                    ctx.upload(lens, 0, l1, "lengths for the warm-up");
                    enqueueStep(b);
                    ctx.synchronize("decoder warm-up, batch " + b);
                }
                ctx.upload(pos, 0, p0, "positions");
                ctx.upload(lens, 0, l0, "lengths");
                ctx.upload(tokens, 0, t0, "tokens");
                ctx.upload(rng, 0, r0, "sampler state");
                graphsScratchMoves = gpu.scratchMoves();
            }
            gpu.freezeScratch(true);
            try {
                g = new CudaGraph("decode step batch " + B, ctx.stream(), () -> enqueueStep(B));
            } finally {
                gpu.freezeScratch(false);
            }
            graphs.put(B, g);
        }
        return g;
    }

    /** Logits of the last step, (B, vocab), on the host. */
    public float[] logits(int B) { return gpu.read(logits, 0, B); }

    public ModelConfig config() { return c; }

    /** Positions each sequence can hold. */
    public int capacity() { return capacity; }

    /** Sequences (cache slots) it decodes at most in one step. */
    public int maxBatch() { return maxBatch; }

    /** The head sizes the split-KV decode attention takes. */
    static boolean headSizeSupported(int headSize) { return headSize == 32 || headSize == 64 || headSize == 128; }

    public Step step() { return step; }

    /** Drops the graphs and gives back to the pool everything this decoder put on the device (its weights, cache and buffers). */
    @Override public void close() {
        if (closed) return;
        closed = true;
        dropGraphs();
        for (Tensor t : cacheViews) gpu.forget(t);
        cacheViews.clear();
        for (Tensor t : uploaded) gpu.free(t);
        uploaded.clear();
        for (Tensor t : new Tensor[]{x, xb, q, k, v, att, hb, hb2, logits}) gpu.free(t);
        for (DeviceBuffer b : new DeviceBuffer[]{tokens, pos, lens, slots, invFreq, kcache, vcache, partialO, partialMl, probs, rng, attnCounters}) {
            ctx.pool().free(b);
        }
    }
}
