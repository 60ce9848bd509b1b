package dev.minerva.engine;

import dev.minerva.backend.Backend;
import dev.minerva.tensor.Tensor;

/**
 * Observers of named activations inside the forward pass. Tap names (rows = batch rows, T):
 * <pre>
 * embeddings                         (T, dim)    token embeddings
 * layer.{i}.attn.wq.in  .wk.in .wv.in (T, dim)    rmsnorm'd input of the q/k/v projections
 * layer.{i}.attn.q / .k / .v          (T, dim) / (T, kvDim)   after RoPE (q, k)
 * layer.{i}.attn.wo.in                (T, dim)    attention output before wo
 * layer.{i}.attn.out                  (T, dim)    wo output (before the residual add)
 * layer.{i}.mlp.w1.in  .w3.in         (T, dim)    rmsnorm'd input of the FFN
 * layer.{i}.mlp.w2.in                 (T, hidden) silu(w1 x) * w3 x
 * layer.{i}.mlp.out                   (T, dim)    w2 output (before the residual add)
 * layer.{i}.out                       (T, dim)    residual stream after the layer
 * final.hidden                        (R, dim)    final-rmsnorm'd rows that get logits (classifier input)
 * logits                              (R, vocab)
 * </pre>
 * Values are backend tensors valid only during the call; read them with {@code backend.read}.
 * A hook may also overwrite them through the backend (activation-quantisation experiments).
 */
public interface ForwardHooks {

    /** No taps: the forward pass skips every call. */
    ForwardHooks NONE = new ForwardHooks() {
        @Override public boolean wants(String tap) { return false; }
        @Override public void on(String tap, Tensor value, Batch batch, Backend backend) {}
    };

    /** Whether {@link #on} should be called for {@code tap} (asked once per tap per forward). */
    boolean wants(String tap);

    /** Called with the activation {@code value} at {@code tap}. */
    void on(String tap, Tensor value, Batch batch, Backend backend);

    /**
     * The tap carrying the input of weight matrix {@code weightName}
     * ({@code layers.3.wq} → {@code layer.3.attn.wq.in}, {@code wcls}/{@code tok_embeddings} → {@code final.hidden}).
     */
    static String weightInputTap(String weightName) {
        if (weightName.equals("wcls") || weightName.equals("tok_embeddings")) return "final.hidden";
        String[] p = weightName.split("\\.");
        if (p.length != 3 || !p[0].equals("layers")) throw new IllegalArgumentException("not a layer weight: " + weightName);
        String block = switch (p[2]) {
            case "wq", "wk", "wv", "wo" -> "attn";
            case "w1", "w2", "w3" -> "mlp";
            default -> throw new IllegalArgumentException("not a matmul weight: " + weightName);
        };
        return "layer." + p[1] + "." + block + "." + p[2] + ".in";
    }
}
