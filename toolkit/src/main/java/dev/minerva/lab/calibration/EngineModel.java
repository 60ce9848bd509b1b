package dev.minerva.lab.calibration;

import dev.minerva.backend.Backend;
import dev.minerva.engine.Batch;
import dev.minerva.engine.DenseKvCache;
import dev.minerva.engine.ForwardHooks;
import dev.minerva.model.Llama;
import dev.minerva.model.Weights;
import dev.minerva.tensor.Tensor;

import java.util.HashMap;
import java.util.Map;

/**
 * {@link CausalModel} on Minerva's engine: one {@link Llama} forward over the whole chunk as a
 * single prefill batch with logits for every row, on the given {@link Backend}. Matmul inputs come
 * from the engine's {@link ForwardHooks} taps ({@code layer.i.attn.wq.in}, …, {@code final.hidden}).
 * Note: the CPU backend's Q8_0/Q4_0 kernels also quantise the activations to Q8_0 blocks (as ggml does).
 */
public final class EngineModel implements CausalModel {
    private final Backend backend;

    public EngineModel(Backend backend) { this.backend = backend; }

    public Backend backend() { return backend; }

    @Override public float[][] logits(Weights weights, int[] tokens, ActivationObserver observer) {
        Llama llama = new Llama(weights, backend);
        DenseKvCache cache = new DenseKvCache(backend, weights.config(), tokens.length);
        ForwardHooks hooks = observer == null ? ForwardHooks.NONE : new Taps(weights, observer);
        Tensor logits = llama.forward(Batch.of(0, tokens, 0, true), cache, hooks);
        float[] all = backend.read(logits);
        cache.free(0);
        int v = weights.config().vocabSize();
        float[][] out = new float[tokens.length][];
        for (int t = 0; t < tokens.length; t++) out[t] = java.util.Arrays.copyOfRange(all, t * v, (t + 1) * v);
        return out;
    }

    /** Maps the engine's matmul-input taps to weight names. */
    private static final class Taps implements ForwardHooks {
        private final Map<String, String> tapToWeight = new HashMap<>();
        private final ActivationObserver observer;

        Taps(Weights w, ActivationObserver observer) {
            this.observer = observer;
            for (QuantTarget t : QuantTarget.of(w)) {
                if (t.layer() >= 0) tapToWeight.put(ForwardHooks.weightInputTap(t.name()), t.name());
            }
            // the classifier's input: wcls, or the tied embedding table
            tapToWeight.put("final.hidden", w.config().tiedEmbeddings() ? "tok_embeddings" : "wcls");
        }

        @Override public boolean wants(String tap) { return tapToWeight.containsKey(tap); }

        @Override public void on(String tap, Tensor value, Batch batch, Backend backend) {
            float[] x = backend.read(value);
            observer.observe(tapToWeight.get(tap), x, (int) value.rows(), (int) value.cols());
        }
    }
}
