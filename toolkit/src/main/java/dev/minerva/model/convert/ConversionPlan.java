package dev.minerva.model.convert;

import dev.minerva.model.OutputTensor;
import dev.minerva.model.Weights;
import dev.minerva.tensor.DType;
import dev.minerva.tensor.TensorCodec;
import dev.minerva.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Which dtype each tensor gets when a model is written as {@code target}: norms stay F32 (they are
 * tiny and precision-sensitive, as in llama.cpp); every matrix, embeddings and classifier included,
 * becomes {@code target}; a quantised target falls back to F16 for a matrix whose rows are not a
 * multiple of the 32-element block (stories260K's w2 has 172 columns).
 */
public final class ConversionPlan {
    private ConversionPlan() {}

    /** The dtype canonical tensor {@code t} is stored as under {@code target}. */
    public static DType dtypeFor(String name, long[] shape, DType target) {
        if (shape.length < 2) return DType.F32;
        if (target.isQuantized() && shape[shape.length - 1] % target.blockSize() != 0) return DType.F16;
        return target;
    }

    /** The tensors of {@code w} (in load order) as output tensors reading rows from the source storage. */
    public static List<OutputTensor> of(Weights w, DType target) {
        List<OutputTensor> out = new ArrayList<>();
        for (Tensor t : w.tensors().values()) {
            int cols = (int) t.cols();
            out.add(new OutputTensor(t.name(), dtypeFor(t.name(), t.shape(), target), t.shape(),
                    (r, row) -> TensorCodec.decode(t, r * cols, cols, row, 0)));
        }
        return out;
    }
}
