package dev.minerva.model;

/**
 * Shape and hyper-parameters of a Llama-family decoder (Llama 2, TinyLlama, Llama 3, Mistral).
 * Names follow llama2.c: {@code dim} = hidden size, {@code hiddenDim} = FFN intermediate size.
 *
 * @param dim            model width (hidden_size)
 * @param hiddenDim      FFN width (intermediate_size)
 * @param nLayers        decoder layers
 * @param nHeads         query heads
 * @param nKvHeads       key/value heads (grouped-query attention when &lt; nHeads)
 * @param vocabSize      vocabulary size
 * @param seqLen         maximum context (max_position_embeddings)
 * @param ropeTheta      RoPE base
 * @param rmsEps         RMSNorm epsilon
 * @param tiedEmbeddings classifier shares the token-embedding matrix
 * @param ropeScaling    Llama 3 rope scaling, or {@code null}
 */
public record ModelConfig(int dim, int hiddenDim, int nLayers, int nHeads, int nKvHeads, int vocabSize, int seqLen,
                          double ropeTheta, double rmsEps, boolean tiedEmbeddings, RopeScaling ropeScaling) {

    /** Llama 3.1-style frequency-dependent RoPE scaling ("rope_type": "llama3"). */
    public record RopeScaling(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) {}

    public ModelConfig {
        check(dim > 0, "dim", dim);
        check(hiddenDim > 0, "hiddenDim", hiddenDim);
        check(nLayers > 0, "nLayers", nLayers);
        check(nHeads > 0, "nHeads", nHeads);
        check(nKvHeads > 0 && nKvHeads <= nHeads && nHeads % nKvHeads == 0, "nKvHeads", nKvHeads);
        check(dim % nHeads == 0, "dim (must be a multiple of nHeads)", dim);
        check(vocabSize > 0, "vocabSize", vocabSize);
        check(seqLen > 0, "seqLen", seqLen);
        check(ropeTheta > 0, "ropeTheta", ropeTheta);
        check(rmsEps > 0, "rmsEps", rmsEps);
    }

    private static void check(boolean ok, String field, Object value) {
        if (!ok) throw new IllegalArgumentException("invalid model config: " + field + " = " + value);
    }

    public int headSize() { return dim / nHeads; }

    public int kvDim() { return headSize() * nKvHeads; }

    /** Query heads that share one key/value head. */
    public int kvMul() { return nHeads / nKvHeads; }

    /** Exact parameter count (embeddings, every projection, norms, and the classifier when untied). */
    public long parameterCount() {
        long perLayer = 2L * dim                       // attention and FFN RMSNorm weights
                + (long) dim * dim * 2                 // wq, wo
                + (long) dim * kvDim() * 2             // wk, wv
                + (long) dim * hiddenDim * 3;          // w1, w2, w3
        long embed = (long) vocabSize * dim;
        return embed + nLayers * perLayer + dim + (tiedEmbeddings ? 0 : embed);
    }

    public ModelConfig withSeqLen(int newSeqLen) {
        return new ModelConfig(dim, hiddenDim, nLayers, nHeads, nKvHeads, vocabSize, newSeqLen, ropeTheta, rmsEps,
                tiedEmbeddings, ropeScaling);
    }
}
