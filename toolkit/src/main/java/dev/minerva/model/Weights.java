package dev.minerva.model;

import dev.minerva.tensor.Tensor;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * All weight tensors of a Llama-family model under canonical names (llama2.c's), with shapes
 * checked against the {@link ModelConfig}. Every loader (llama2.c, safetensors, GGUF) produces one;
 * the forward pass and every study read from one. Tensor storage is usually memory-mapped.
 *
 * <pre>
 * tok_embeddings      (vocab, dim)
 * layers.{i}.rms_att  (dim)            layers.{i}.rms_ffn (dim)
 * layers.{i}.wq       (dim, dim)       layers.{i}.wk, wv  (kv_dim, dim)
 * layers.{i}.wo       (dim, dim)
 * layers.{i}.w1, w3   (hidden, dim)    layers.{i}.w2      (dim, hidden)
 * rms_final           (dim)
 * wcls                (vocab, dim)     absent when embeddings are tied
 * </pre>
 */
public final class Weights {
    private final ModelConfig config;
    private final Map<String, Tensor> tensors;

    /**
     * @throws IllegalArgumentException naming the tensor if one is missing or has the wrong shape
     */
    public Weights(ModelConfig config, Map<String, Tensor> tensors) {
        this.config = Objects.requireNonNull(config);
        this.tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        validate();
    }

    public static String name(int i, String field) { return "layers." + i + "." + field; }

    private void validate() {
        int dim = config.dim(), kv = config.kvDim(), hid = config.hiddenDim(), voc = config.vocabSize();
        expect("tok_embeddings", voc, dim);
        for (int i = 0; i < config.nLayers(); i++) {
            expect(name(i, "rms_att"), dim);
            expect(name(i, "rms_ffn"), dim);
            expect(name(i, "wq"), dim, dim);
            expect(name(i, "wk"), kv, dim);
            expect(name(i, "wv"), kv, dim);
            expect(name(i, "wo"), dim, dim);
            expect(name(i, "w1"), hid, dim);
            expect(name(i, "w2"), dim, hid);
            expect(name(i, "w3"), hid, dim);
        }
        expect("rms_final", dim);
        if (!config.tiedEmbeddings()) expect("wcls", voc, dim);
    }

    private void expect(String name, long... shape) {
        Tensor t = tensors.get(name);
        if (t == null) throw new IllegalArgumentException("missing weight tensor '" + name + "'");
        if (!java.util.Arrays.equals(t.shape(), shape)) {
            throw new IllegalArgumentException("weight tensor '" + name + "' has shape " + java.util.Arrays.toString(t.shape())
                    + ", expected " + java.util.Arrays.toString(shape));
        }
    }

    public ModelConfig config() { return config; }

    /** All tensors in load order. */
    public Map<String, Tensor> tensors() { return tensors; }

    /** @throws IllegalArgumentException if there is no such tensor */
    public Tensor get(String name) {
        Tensor t = tensors.get(name);
        if (t == null) throw new IllegalArgumentException("no weight tensor '" + name + "'");
        return t;
    }


    /** The tensor {@code layers.i.field}. */
    public Tensor layer(int i, String field) { return get(name(i, field)); }

    /** The classifier: {@code wcls}, or the token embeddings when tied. */
    public Tensor classifier() { return config.tiedEmbeddings() ? get("tok_embeddings") : get("wcls"); }

    /** Total bytes of all tensors as stored (what decode streams per token, roughly). */
    public long byteSize() {
        return tensors.values().stream().mapToLong(Tensor::byteSize).sum();
    }

    /** A copy with some tensors replaced (e.g. re-quantised under a precision plan). */
    public Weights with(Map<String, Tensor> replacements) {
        Map<String, Tensor> m = new LinkedHashMap<>(tensors);
        m.putAll(replacements);
        return new Weights(config, m);
    }
}
