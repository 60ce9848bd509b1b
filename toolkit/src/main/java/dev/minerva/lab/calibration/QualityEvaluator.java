package dev.minerva.lab.calibration;

import dev.minerva.model.Weights;

import java.util.List;

/**
 * Scores weights against a reference model on a fixed list of token chunks. The reference
 * log-probabilities (chunks x T x vocab floats) are computed once; each {@link #evaluate} is one
 * forward pass per chunk.
 */
public final class QualityEvaluator {
    private final CausalModel model;
    private final List<int[]> chunks;
    private final float[][][] refLogProbs; // [chunk][t][vocab]
    private final ChunkQuality reference;

    /**
     * @param chunks token chunks, each starting with BOS; position t predicts token t+1
     */
    public QualityEvaluator(CausalModel model, List<int[]> chunks, Weights reference, CausalModel.ActivationObserver observer) {
        if (chunks.isEmpty()) throw new IllegalArgumentException("no evaluation chunks");
        this.model = model;
        this.chunks = List.copyOf(chunks);
        this.refLogProbs = new float[chunks.size()][][];
        double[] nll = new double[chunks.size()];
        for (int c = 0; c < chunks.size(); c++) {
            int[] toks = chunks.get(c);
            float[][] logits = model.logits(reference, toks, observer);
            float[][] lp = new float[toks.length - 1][];
            double s = 0;
            for (int t = 0; t < toks.length - 1; t++) {
                lp[t] = logSoftmax(logits[t]);
                s -= lp[t][toks[t + 1]];
            }
            refLogProbs[c] = lp;
            nll[c] = s / (toks.length - 1);
        }
        this.reference = new ChunkQuality(nll, new double[chunks.size()]);
    }

    public ChunkQuality reference() { return reference; }

    public int chunks() { return chunks.size(); }

    /** Predicted tokens over all chunks. */
    public long tokens() { return chunks.stream().mapToLong(c -> c.length - 1).sum(); }

    /** NLL and KL to the reference for {@code weights}, per chunk. */
    public ChunkQuality evaluate(Weights weights) {
        double[] nll = new double[chunks.size()], kl = new double[chunks.size()];
        for (int c = 0; c < chunks.size(); c++) {
            int[] toks = chunks.get(c);
            float[][] logits = model.logits(weights, toks, null);
            double sn = 0, sk = 0;
            for (int t = 0; t < toks.length - 1; t++) {
                float[] lq = logSoftmax(logits[t]);
                float[] lp = refLogProbs[c][t];
                sn -= lq[toks[t + 1]];
                double k = 0;
                for (int v = 0; v < lp.length; v++) k += Math.exp(lp[v]) * ((double) lp[v] - lq[v]);
                sk += Math.max(0, k);
            }
            nll[c] = sn / (toks.length - 1);
            kl[c] = sk / (toks.length - 1);
        }
        return new ChunkQuality(nll, kl);
    }

    /** log softmax in double accumulation. */
    static float[] logSoftmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) max = Math.max(max, l);
        double s = 0;
        for (float l : logits) s += Math.exp(l - max);
        double lse = max + Math.log(s);
        float[] out = new float[logits.length];
        for (int i = 0; i < out.length; i++) out[i] = (float) (logits[i] - lse);
        return out;
    }
}
