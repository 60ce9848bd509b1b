package dev.minerva.lab.engine;

import dev.minerva.backend.Backend;
import dev.minerva.backend.ForwardingBackend;
import dev.minerva.tensor.Q8_0Codec;
import dev.minerva.tensor.Tensor;

import java.util.Map;
import java.util.Set;

/**
 * A backend for quantisation experiments: it forwards every op to a real backend ({@link ForwardingBackend}), but per weight name
 * it may (a) swap the weight for another F32 tensor (e.g. the dequantised Q8_0 values) and (b) round the
 * matmul input through Q8_0 (quantise, dequantise: what the CPU backend's quantised matmul computes
 * with). The embedding lookup has its own table, so "embedding" and "classifier" of a tied model can be
 * varied separately. Everything stays float, so a variant differs from another only in the values chosen.
 */
final class MatmulProbeBackend extends ForwardingBackend {
    private final Map<String, Tensor> matmulWeights;
    private final Set<String> quantiseInput;
    private final Tensor embeddingTable;

    /**
     * @param matmulWeights  weight name → the F32 tensor to multiply with instead (names absent: unchanged)
     * @param quantiseInput  weight names whose matmul input is rounded through Q8_0 first
     * @param embeddingTable the table for the embedding lookup, or null to keep the model's
     */
    MatmulProbeBackend(Backend delegate, Map<String, Tensor> matmulWeights, Set<String> quantiseInput, Tensor embeddingTable) {
        super(delegate);
        this.matmulWeights = Map.copyOf(matmulWeights);
        this.quantiseInput = Set.copyOf(quantiseInput);
        this.embeddingTable = embeddingTable;
    }

    @Override public void matmul(Tensor out, Tensor x, Tensor w) {
        Tensor ww = matmulWeights.getOrDefault(w.name(), w);
        if (!quantiseInput.contains(w.name())) { inner.matmul(out, x, ww); return; }
        float[] xa = inner.read(x);
        roundThroughQ8_0(xa, (int) x.cols());
        Tensor xq = inner.allocate("xq", x.rows(), x.cols());
        inner.write(xq, xa);
        inner.matmul(out, xq, ww);
    }

    /** Each row of {@code x} (width {@code d}) replaced by its Q8_0 quantise-dequantise, in place. */
    static void roundThroughQ8_0(float[] x, int d) {
        byte[] q = new byte[x.length];
        float[] s = new float[x.length / Q8_0Codec.BLOCK];
        for (int r = 0; r < x.length / d; r++) Q8_0Codec.quantize(x, r * d, d, q, s);
        for (int i = 0; i < x.length; i++) x[i] = q[i] * s[i / Q8_0Codec.BLOCK];
    }

    @Override public void embedding(Tensor out, Tensor table, int[] tokens) {
        inner.embedding(out, embeddingTable != null ? embeddingTable : table, tokens);
    }

    @Override public String name() { return inner.name() + "-probe"; }
    /** The delegate is owned by the caller. */
    @Override public void close() { }
}
