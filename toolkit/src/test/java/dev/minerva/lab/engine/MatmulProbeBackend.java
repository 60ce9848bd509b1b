package dev.minerva.lab.engine;

import dev.minerva.backend.AttentionMask;
import dev.minerva.backend.Backend;
import dev.minerva.tensor.DType;
import dev.minerva.tensor.Q8_0Codec;
import dev.minerva.tensor.Tensor;

import java.util.Map;
import java.util.Set;

/**
 * A backend for quantisation experiments: it forwards every op to a real backend, but per weight name
 * it may (a) swap the weight for another F32 tensor (e.g. the dequantised Q8_0 values) and (b) round the
 * matmul input through Q8_0 (quantise, dequantise: what the CPU backend's quantised matmul computes
 * with). The embedding lookup has its own table, so "embedding" and "classifier" of a tied model can be
 * varied separately. Everything stays float, so a variant differs from another only in the values chosen.
 */
final class MatmulProbeBackend implements Backend {
    private final Backend d;
    private final Map<String, Tensor> matmulWeights;
    private final Set<String> quantiseInput;
    private final Tensor embeddingTable;

    /**
     * @param matmulWeights  weight name → the F32 tensor to multiply with instead (names absent: unchanged)
     * @param quantiseInput  weight names whose matmul input is rounded through Q8_0 first
     * @param embeddingTable the table for the embedding lookup, or null to keep the model's
     */
    MatmulProbeBackend(Backend delegate, Map<String, Tensor> matmulWeights, Set<String> quantiseInput, Tensor embeddingTable) {
        this.d = delegate;
        this.matmulWeights = Map.copyOf(matmulWeights);
        this.quantiseInput = Set.copyOf(quantiseInput);
        this.embeddingTable = embeddingTable;
    }

    @Override public void matmul(Tensor out, Tensor x, Tensor w) {
        Tensor ww = matmulWeights.getOrDefault(w.name(), w);
        if (!quantiseInput.contains(w.name())) { d.matmul(out, x, ww); return; }
        float[] xa = d.read(x);
        roundThroughQ8_0(xa, (int) x.cols());
        Tensor xq = d.allocate("xq", x.rows(), x.cols());
        d.write(xq, xa);
        d.matmul(out, xq, ww);
    }

    /** Each row of {@code x} (width {@code d}) replaced by its Q8_0 quantise-dequantise, in place. */
    static void roundThroughQ8_0(float[] x, int d) {
        byte[] q = new byte[x.length];
        float[] s = new float[x.length / Q8_0Codec.BLOCK];
        for (int r = 0; r < x.length / d; r++) Q8_0Codec.quantize(x, r * d, d, q, s);
        for (int i = 0; i < x.length; i++) x[i] = q[i] * s[i / Q8_0Codec.BLOCK];
    }

    @Override public void embedding(Tensor out, Tensor table, int[] tokens) {
        d.embedding(out, embeddingTable != null ? embeddingTable : table, tokens);
    }

    @Override public String name() { return d.name() + "-probe"; }
    @Override public boolean supports(Op op, DType dtype) { return d.supports(op, dtype); }
    @Override public Tensor allocate(String name, long... shape) { return d.allocate(name, shape); }
    @Override public void free(Tensor t) { d.free(t); }
    @Override public Tensor load(Tensor weight) { return d.load(weight); }
    @Override public void write(Tensor dst, float[] src) { d.write(dst, src); }
    @Override public float[] read(Tensor src, int row, int rows) { return d.read(src, row, rows); }
    @Override public void rmsnorm(Tensor out, Tensor x, Tensor weight, float eps) { d.rmsnorm(out, x, weight, eps); }
    @Override public void rope(Tensor x, int[] positions, int headSize, float[] invFreq) { d.rope(x, positions, headSize, invFreq); }
    @Override public void attention(Tensor out, Tensor q, int rowStart, int rows, Tensor keys, Tensor values, int kvLength,
                                    AttentionMask mask, int nHeads, int nKvHeads, int headSize) {
        d.attention(out, q, rowStart, rows, keys, values, kvLength, mask, nHeads, nKvHeads, headSize);
    }
    @Override public void siluMul(Tensor gate, Tensor up) { d.siluMul(gate, up); }
    @Override public void add(Tensor x, Tensor y) { d.add(x, y); }
    @Override public void copyRows(Tensor dst, int dstRow, Tensor src, int srcRow, int rows) { d.copyRows(dst, dstRow, src, srcRow, rows); }
    /** The delegate is owned by the caller. */
    @Override public void close() { }
}
