package dev.minerva.lab.calibration;

import dev.minerva.model.Weights;
import dev.minerva.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * One weight matrix a plan chooses a format for: {@code W[rows][cols]}, cols = input dimension.
 * The quantisable tensors of a Llama are its matmul weights (wq, wk, wv, wo, w1, w2, w3 per layer),
 * the token embeddings and the classifier {@code wcls} when untied; RMSNorm gains stay F32 (they
 * are 0.1 % of the weights and not matmul operands).
 *
 * @param name  canonical tensor name ({@code layers.3.wq})
 * @param layer layer index, or -1 for embeddings / classifier
 * @param rows  output dimension
 * @param cols  input dimension (block and group sizes must divide it)
 */
public record QuantTarget(String name, int layer, int rows, int cols) {

    public long weights() { return (long) rows * cols; }

    /** Whether {@code f} can store this matrix. */
    public boolean accepts(WeightFormat f) { return f.incompatibility(rows, cols) == null; }

    /** The field after {@code layers.i.} ({@code wq}), or the whole name for non-layer tensors. */
    public String kind() { return layer < 0 ? name : name.substring(name.lastIndexOf('.') + 1); }

    /** The quantisable tensors of {@code w}, in load order. */
    public static List<QuantTarget> of(Weights w) {
        List<QuantTarget> out = new ArrayList<>();
        for (Tensor t : w.tensors().values()) {
            if (t.rank() != 2) continue; // norms
            String n = t.name();
            int layer = -1;
            if (n.startsWith("layers.")) layer = Integer.parseInt(n.substring(7, n.indexOf('.', 7)));
            out.add(new QuantTarget(n, layer, (int) t.dim(0), (int) t.dim(1)));
        }
        return out;
    }
}
