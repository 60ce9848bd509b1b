package dev.minerva.model;

import dev.minerva.tensor.DType;
import dev.minerva.tensor.Tensor;
import dev.minerva.tensor.TensorCodec;

import java.lang.foreign.Arena;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Random weights at a given configuration, made directly in the target dtype (row by row, so a
 * quantised 1B model never exists as float32): matrices uniform in ±{@code 1/sqrt(in)}, norm weights
 * near 1. For speed measurements (speed depends on shapes, not values) and tests.
 */
public final class RandomWeights {
    private RandomWeights() {}

    /** Matrices in {@code dtype} (where rows allow; else F32), vectors F32, from {@code seed}, in {@code arena}. */
    public static Weights create(ModelConfig c, DType dtype, long seed, Arena arena) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Map<String, Tensor> m = new LinkedHashMap<>();
        put(m, matrix("tok_embeddings", c.vocabSize(), c.dim(), dtype, rnd, arena, 1.0));
        for (int l = 0; l < c.nLayers(); l++) {
            put(m, vector(Weights.name(l, "rms_att"), c.dim(), rnd));
            put(m, matrix(Weights.name(l, "wq"), c.dim(), c.dim(), dtype, rnd, arena, 0));
            put(m, matrix(Weights.name(l, "wk"), c.kvDim(), c.dim(), dtype, rnd, arena, 0));
            put(m, matrix(Weights.name(l, "wv"), c.kvDim(), c.dim(), dtype, rnd, arena, 0));
            put(m, matrix(Weights.name(l, "wo"), c.dim(), c.dim(), dtype, rnd, arena, 0));
            put(m, vector(Weights.name(l, "rms_ffn"), c.dim(), rnd));
            put(m, matrix(Weights.name(l, "w1"), c.hiddenDim(), c.dim(), dtype, rnd, arena, 0));
            put(m, matrix(Weights.name(l, "w2"), c.dim(), c.hiddenDim(), dtype, rnd, arena, 0));
            put(m, matrix(Weights.name(l, "w3"), c.hiddenDim(), c.dim(), dtype, rnd, arena, 0));
        }
        put(m, vector("rms_final", c.dim(), rnd));
        if (!c.tiedEmbeddings()) put(m, matrix("wcls", c.vocabSize(), c.dim(), dtype, rnd, arena, 0));
        return new Weights(c, m);
    }

    private static void put(Map<String, Tensor> m, Tensor t) { m.put(t.name(), t); }

    private static Tensor vector(String name, int n, SplittableRandom rnd) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (1 + 0.1 * (rnd.nextDouble() * 2 - 1));
        return Tensor.ofF32(name, v, n);
    }

    private static Tensor matrix(String name, int rows, int cols, DType dtype, SplittableRandom rnd, Arena arena, double scale) {
        DType dt = cols % dtype.blockSize() == 0 ? dtype : DType.F32;
        Tensor t = Tensor.allocate(arena, name, dt, rows, cols);
        double s = scale > 0 ? scale : 1.0 / Math.sqrt(cols);
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < cols; i++) row[i] = (float) (s * (rnd.nextDouble() * 2 - 1));
            TensorCodec.encode(row, 0, cols, t, (long) r * cols);
        }
        return t;
    }
}
