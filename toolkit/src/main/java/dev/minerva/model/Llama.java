package dev.minerva.model;

import dev.minerva.backend.Backend;
import dev.minerva.engine.Batch;
import dev.minerva.engine.ForwardHooks;
import dev.minerva.engine.KvCache;
import dev.minerva.engine.KvView;
import dev.minerva.tensor.Tensor;

/**
 * The Llama-family decoder (Llama 2, TinyLlama, Llama 3, Mistral without sliding window): one
 * forward pass over a ragged {@link Batch}, written in llama2.c's names and calling only
 * {@link Backend} ops, so the same code runs on every backend.
 */
public final class Llama {
    private final ModelConfig config;
    private final Backend backend;
    private final float[] invFreq;
    private final Layer[] layers;
    private final Tensor tokEmbeddings, rmsFinal, wcls;
    private Activations act;

    /** One decoder layer's weights, loaded into the backend. */
    private record Layer(Tensor rmsAtt, Tensor wq, Tensor wk, Tensor wv, Tensor wo,
                         Tensor rmsFfn, Tensor w1, Tensor w2, Tensor w3, String[] taps) {}

    /** Scratch activations for a batch of T rows and R logit rows, reused while the shape repeats. */
    private static final class Activations {
        final int rows, logitRows;
        final Tensor x, xb, xb2, q, k, v, att, hb, hb2, xf, logits;
        Activations(Backend b, ModelConfig c, int t, int r) {
            rows = t; logitRows = r;
            x = b.allocate("x", t, c.dim());            // residual stream
            xb = b.allocate("xb", t, c.dim());          // normed input of a block
            xb2 = b.allocate("xb2", t, c.dim());        // block output before the residual add
            q = b.allocate("q", t, c.dim());
            k = b.allocate("k", t, c.kvDim());
            v = b.allocate("v", t, c.kvDim());
            att = b.allocate("att", t, c.dim());        // attention output (input of wo)
            hb = b.allocate("hb", t, c.hiddenDim());    // w1 x, then silu(w1 x) * w3 x
            hb2 = b.allocate("hb2", t, c.hiddenDim());  // w3 x
            xf = b.allocate("xf", r, c.dim());          // final-normed rows that get logits
            logits = b.allocate("logits", r, c.vocabSize());
        }

        /** Gives the tensors back (on a GPU, to the device memory pool: a shape change must not leak the old ones). */
        void free(Backend b) {
            for (Tensor t : new Tensor[]{x, xb, xb2, q, k, v, att, hb, hb2, xf, logits}) b.free(t);
        }
    }

    private static final String[] LAYER_TAPS = {"attn.wq.in", "attn.wk.in", "attn.wv.in", "attn.q", "attn.k", "attn.v",
            "attn.wo.in", "attn.out", "mlp.w1.in", "mlp.w3.in", "mlp.w2.in", "mlp.out", "out"};

    /** Loads {@code weights} into {@code backend}. */
    public Llama(Weights weights, Backend backend) {
        this.config = weights.config();
        this.backend = backend;
        this.invFreq = RopeFrequencies.of(config);
        this.layers = new Layer[config.nLayers()];
        for (int l = 0; l < layers.length; l++) {
            String[] taps = new String[LAYER_TAPS.length];
            for (int i = 0; i < taps.length; i++) taps[i] = "layer." + l + "." + LAYER_TAPS[i];
            layers[l] = new Layer(load(weights, l, "rms_att"), load(weights, l, "wq"), load(weights, l, "wk"),
                    load(weights, l, "wv"), load(weights, l, "wo"), load(weights, l, "rms_ffn"),
                    load(weights, l, "w1"), load(weights, l, "w2"), load(weights, l, "w3"), taps);
        }
        this.tokEmbeddings = backend.load(weights.get("tok_embeddings"));
        this.rmsFinal = backend.load(weights.get("rms_final"));
        this.wcls = config.tiedEmbeddings() ? tokEmbeddings : backend.load(weights.get("wcls"));
    }

    private Tensor load(Weights w, int l, String field) { return backend.load(w.layer(l, field)); }

    public ModelConfig config() { return config; }

    public Backend backend() { return backend; }

    /**
     * Runs the decoder on {@code batch}, appending its keys/values to {@code cache}.
     *
     * @return logits (R, vocab), R = {@link Batch#logitRows()}, rows in batch order; a backend tensor
     *         valid until the next call
     * @throws IllegalStateException if a sequence would pass the cache's context limit (nothing is appended then)
     */
    public Tensor forward(Batch batch, KvCache cache, ForwardHooks hooks) {
        int T = batch.rows(), R = batch.logitRows();
        int dim = config.dim(), headSize = config.headSize();
        float eps = (float) config.rmsEps();
        int[] positions = batch.positions();
        for (int p : positions) {
            if (p < 0) throw new IllegalArgumentException("negative position " + p);
        }
        for (Batch.Entry e : batch.entries()) {
            int len = cache.length(e.seqId());
            if (len + e.tokens().length > cache.capacity()) {
                throw new IllegalStateException("sequence " + e.seqId() + " at " + len + " tokens + " + e.tokens().length
                        + " new exceeds the context limit of " + cache.capacity());
            }
        }
        if (act == null || act.rows != T || act.logitRows != R) {
            if (act != null) act.free(backend);   // the last call's logits were valid only until this call
            act = new Activations(backend, config, T, R);
        }
        Activations a = act;

        // slots of the new rows in each sequence's cache
        int[] slot = new int[batch.entries().size()];
        for (int s = 0; s < slot.length; s++) {
            Batch.Entry e = batch.entries().get(s);
            slot[s] = cache.append(e.seqId(), e.tokens().length);
        }

        backend.embedding(a.x, tokEmbeddings, batch.tokens());                  // x (T, dim)
        tap(hooks, "embeddings", a.x, batch);

        for (int l = 0; l < layers.length; l++) {
            Layer L = layers[l];
            // attention: rmsnorm, q/k/v projections, RoPE, cache, attention, wo, residual
            backend.rmsnorm(a.xb, a.x, L.rmsAtt, eps);                          // xb (T, dim)
            tap(hooks, L.taps[0], a.xb, batch);
            tap(hooks, L.taps[1], a.xb, batch);
            tap(hooks, L.taps[2], a.xb, batch);
            backend.matmuls(new Tensor[]{a.q, a.k, a.v}, a.xb, L.wq, L.wk, L.wv); // q (T, dim), k, v (T, kvDim)
            backend.rope(a.q, positions, headSize, invFreq);
            backend.rope(a.k, positions, headSize, invFreq);
            tap(hooks, L.taps[3], a.q, batch);
            tap(hooks, L.taps[4], a.k, batch);
            tap(hooks, L.taps[5], a.v, batch);
            int row = 0;
            for (int s = 0; s < slot.length; s++) {
                Batch.Entry e = batch.entries().get(s);
                int n = e.tokens().length;
                cache.write(l, e.seqId(), slot[s], a.k, row, n, a.v);
                KvView kv = cache.view(l, e.seqId());                          // keys, values (capacity, kvDim)
                backend.attention(a.att, a.q, row, n, kv.keys(), kv.values(), kv.length(), e.mask(),
                        config.nHeads(), config.nKvHeads(), headSize);          // att (T, dim)
                row += n;
            }
            tap(hooks, L.taps[6], a.att, batch);
            backend.matmul(a.xb2, a.att, L.wo);                                 // xb2 (T, dim)
            tap(hooks, L.taps[7], a.xb2, batch);
            backend.add(a.x, a.xb2);

            // feed-forward: rmsnorm, silu(w1 x) * w3 x, w2, residual
            backend.rmsnorm(a.xb, a.x, L.rmsFfn, eps);                          // xb (T, dim)
            tap(hooks, L.taps[8], a.xb, batch);
            tap(hooks, L.taps[9], a.xb, batch);
            backend.matmuls(new Tensor[]{a.hb, a.hb2}, a.xb, L.w1, L.w3);        // hb = w1 x, hb2 = w3 x (T, hidden)
            backend.siluMul(a.hb, a.hb2);
            tap(hooks, L.taps[10], a.hb, batch);
            backend.matmul(a.xb2, a.hb, L.w2);                                  // xb2 (T, dim)
            tap(hooks, L.taps[11], a.xb2, batch);
            backend.add(a.x, a.xb2);
            tap(hooks, L.taps[12], a.x, batch);
        }

        // only the rows that need logits go through the classifier
        int out = 0, row = 0;
        for (Batch.Entry e : batch.entries()) {
            int n = e.tokens().length, r = e.logitRows();
            backend.copyRows(a.xf, out, a.x, row + n - r, r);
            out += r;
            row += n;
        }
        backend.rmsnorm(a.xf, a.xf, rmsFinal, eps);                             // xf (R, dim)
        tap(hooks, "final.hidden", a.xf, batch);
        backend.matmul(a.logits, a.xf, wcls);                                   // logits (R, vocab)
        tap(hooks, "logits", a.logits, batch);
        return a.logits;
    }

    private void tap(ForwardHooks hooks, String name, Tensor t, Batch batch) {
        if (hooks != ForwardHooks.NONE && hooks.wants(name)) hooks.on(name, t, batch, backend);
    }
}
