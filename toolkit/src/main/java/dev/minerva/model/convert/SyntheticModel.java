package dev.minerva.model.convert;

import dev.minerva.model.ModelConfig;
import dev.minerva.model.OutputTensor;
import dev.minerva.model.Weights;
import dev.minerva.tensor.DType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Random weights at a real model's exact configuration, produced row by row (never held in memory):
 * matrices ~ N(0, 0.02²) (the usual Llama initialisation scale, which keeps activations finite over
 * many layers), RMSNorm weights = 1. Each row is drawn from its own generator seeded by (seed,
 * tensor, row), so the values do not depend on the order rows are written in or on the format.
 */
public final class SyntheticModel {
    private SyntheticModel() {}

    /** Standard deviation of every matrix entry. */
    public static final double STD = 0.02;

    /** The canonical tensors of {@code cfg} in llama2.c order, each stored as {@link ConversionPlan#dtypeFor}. */
    public static List<OutputTensor> tensors(ModelConfig cfg, DType dtype, long seed) {
        List<OutputTensor> out = new ArrayList<>();
        long dim = cfg.dim(), kv = cfg.kvDim(), hid = cfg.hiddenDim(), voc = cfg.vocabSize();
        add(out, "tok_embeddings", dtype, seed, voc, dim);
        for (int i = 0; i < cfg.nLayers(); i++) {
            add(out, Weights.name(i, "rms_att"), dtype, seed, dim);
            add(out, Weights.name(i, "wq"), dtype, seed, dim, dim);
            add(out, Weights.name(i, "wk"), dtype, seed, kv, dim);
            add(out, Weights.name(i, "wv"), dtype, seed, kv, dim);
            add(out, Weights.name(i, "wo"), dtype, seed, dim, dim);
            add(out, Weights.name(i, "rms_ffn"), dtype, seed, dim);
            add(out, Weights.name(i, "w1"), dtype, seed, hid, dim);
            add(out, Weights.name(i, "w2"), dtype, seed, dim, hid);
            add(out, Weights.name(i, "w3"), dtype, seed, hid, dim);
        }
        add(out, "rms_final", dtype, seed, dim);
        if (!cfg.tiedEmbeddings()) add(out, "wcls", dtype, seed, voc, dim);
        return out;
    }

    private static void add(List<OutputTensor> out, String name, DType target, long seed, long... shape) {
        DType d = ConversionPlan.dtypeFor(name, shape, target);
        if (shape.length == 1) {
            out.add(new OutputTensor(name, d, shape, (r, row) -> Arrays.fill(row, 1f)));
            return;
        }
        long tensorSeed = new SplittableRandom(seed ^ name.hashCode() * 0x9E3779B97F4A7C15L).nextLong();
        out.add(new OutputTensor(name, d, shape, (r, row) -> {
            SplittableRandom rng = new SplittableRandom(tensorSeed + r * 0xBF58476D1CE4E5B9L);
            for (int i = 0; i < row.length; i++) row[i] = (float) (rng.nextGaussian() * STD);
        }));
    }
}
