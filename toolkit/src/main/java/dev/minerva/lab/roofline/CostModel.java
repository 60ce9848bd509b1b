package dev.minerva.lab.roofline;

import dev.minerva.model.ModelConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * FLOPs and bytes of every op of one Llama forward step, unfused (each op reads its inputs from and
 * writes its outputs to memory), in the order of llama2.c's {@code forward()}.
 *
 * <p>Conventions (all stated so the numbers can be checked by hand):
 * <ul>
 *   <li>M = tokens in the step: B·T at prefill (T = context), B at decode.</li>
 *   <li>A matmul {@code (M, in) × (in, out)} costs 2·M·in·out FLOPs, reads in·out weights once, reads M·in
 *       and writes M·out activations.</li>
 *   <li>RMSNorm weights are f32 (as llama.cpp and llama2.c keep them); RMSNorm ≈ 4 FLOP/element,
 *       RoPE 6 FLOP per rotated pair, SiLU·mul ≈ 5 FLOP/element, residual add 1.</li>
 *   <li>Attention pairs P (query, key) per head: decode B·L; prefill with flash B·T(T+1)/2 (causal pairs only);
 *       prefill naive B·T² (the full masked matrix is computed). FLOPs = heads·P·(4·headSize + 5)
 *       (QKᵀ, softmax, PV).</li>
 *   <li>K/V read by attention: decode B·L·2·kvDim elements; prefill B·T·2·kvDim (each sequence's new K/V
 *       read once: a lower bound). Naive attention reads them once per query head (× heads/kvHeads).</li>
 *   <li>Naive attention moves its f32 score matrix four times (write scores, read + write softmax, read in PV).</li>
 *   <li>Logits are computed only for the last position of each sequence at prefill, written as f32.</li>
 * </ul>
 */
public final class CostModel {
    private CostModel() {}

    private static final double NORM_WEIGHT_BYTES = 4;   // f32
    private static final double LOGIT_BYTES = 4;         // f32
    private static final double SCORE_BYTES = 4;         // f32 scores in naive attention

    /** The ops of one step, per-layer ops with {@code count = nLayers}. */
    public static List<Op> ops(Workload w) {
        ModelConfig c = w.model();
        int layers = c.nLayers();
        double dim = c.dim(), kvDim = c.kvDim(), hid = c.hiddenDim(), vocab = c.vocabSize(), hs = c.headSize();
        double heads = c.nHeads();
        double b = w.batch(), t = w.phase() == Phase.PREFILL ? w.context() : 1, m = b * t;
        double wb = w.weights().bytes(), ab = w.acts().bytes(), kb = w.kv().bytes();
        List<Op> ops = new ArrayList<>();

        ops.add(new Op("embedding", OpKind.EMBEDDING, 1, 0, m * dim * wb, 0, 0, m * dim * ab));
        // ---- per layer: attention block
        ops.add(norm("rms_att", layers, m, dim, ab));
        ops.add(matmul("wq", layers, m, dim, dim, wb, ab));
        ops.add(matmul("wk", layers, m, dim, kvDim, wb, ab));
        ops.add(matmul("wv", layers, m, dim, kvDim, wb, ab));
        ops.add(new Op("rope", OpKind.ELEMENTWISE, layers, 3 * m * (dim + kvDim), 0, 0, 0, 2 * m * (dim + kvDim) * ab));
        ops.add(new Op("kv_write", OpKind.KV_WRITE, layers, 0, 0, 0, 2 * m * kvDim * kb, 2 * m * kvDim * ab));
        ops.add(attention(w, layers, b, t, heads, hs, kvDim, ab, kb));
        ops.add(matmul("wo", layers, m, dim, dim, wb, ab));
        ops.add(new Op("residual_att", OpKind.ELEMENTWISE, layers, m * dim, 0, 0, 0, 3 * m * dim * ab));
        // ---- per layer: feed-forward block
        ops.add(norm("rms_ffn", layers, m, dim, ab));
        ops.add(matmul("w1", layers, m, dim, hid, wb, ab));
        ops.add(matmul("w3", layers, m, dim, hid, wb, ab));
        ops.add(new Op("silu_mul", OpKind.ELEMENTWISE, layers, 5 * m * hid, 0, 0, 0, 3 * m * hid * ab));
        ops.add(matmul("w2", layers, m, hid, dim, wb, ab));
        ops.add(new Op("residual_ffn", OpKind.ELEMENTWISE, layers, m * dim, 0, 0, 0, 3 * m * dim * ab));
        // ---- head: only the last position of each sequence needs logits
        ops.add(norm("rms_final", 1, b, dim, ab));
        ops.add(new Op("classifier", OpKind.MATMUL, 1, 2 * b * dim * vocab, dim * vocab * wb, 0, 0, b * dim * ab + b * vocab * LOGIT_BYTES));
        return ops;
    }

    /**
     * FLOPs of prefilling {@code tokens} prompt tokens of one fresh sequence, summed over {@link #ops} (flash
     * attention: causal pairs only; logits for the last position only): what {@code minerva bench} divides by the
     * prefill time to set prefill against the FMA peak. FLOPs do not depend on the storage formats.
     */
    public static double prefillFlops(ModelConfig c, int tokens) {
        Workload w = new Workload("prefill", c, Phase.PREFILL, 1, tokens, StorageFormat.F32, StorageFormat.F32, StorageFormat.F32,
                AttentionKind.FLASH);
        double flops = 0;
        for (Op op : ops(w)) flops += op.count() * op.flops();
        return flops;
    }

    private static Op matmul(String name, int count, double m, double in, double out, double wb, double ab) {
        return new Op(name, OpKind.MATMUL, count, 2 * m * in * out, in * out * wb, 0, 0, m * (in + out) * ab);
    }

    private static Op norm(String name, int count, double m, double dim, double ab) {
        return new Op(name, OpKind.NORM, count, 4 * m * dim, dim * NORM_WEIGHT_BYTES, 0, 0, 2 * m * dim * ab);
    }

    private static Op attention(Workload w, int layers, double b, double t, double heads, double hs, double kvDim,
                                double ab, double kb) {
        double l = w.context();
        boolean naive = w.attention() == AttentionKind.NAIVE;
        double pairs;
        double kvElems;
        if (w.phase() == Phase.DECODE) {
            pairs = b * l;
            kvElems = b * l * 2 * kvDim;
        } else {
            pairs = naive ? b * t * t : b * t * (t + 1) / 2;
            kvElems = b * t * 2 * kvDim;
        }
        if (naive) kvElems *= heads * hs / kvDim;          // re-read per query head
        double flops = heads * pairs * (4 * hs + 5);
        double m = b * t;
        double act = 2 * m * heads * hs * ab;               // read q, write out
        if (naive) act += 4 * heads * pairs * SCORE_BYTES;  // score matrix through memory
        return new Op("attention", OpKind.ATTENTION, layers, flops, 0, kvElems * kb, 0, act);
    }
}
