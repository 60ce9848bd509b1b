package dev.minerva.lab.calibration;

import dev.minerva.model.Weights;

/**
 * What the study needs from an inference engine: next-token logits for every position of a token
 * sequence under given weights, and a look at the input of each weight matmul on the way.
 */
public interface CausalModel {

    /**
     * @param weights  the weights to run (F32, fake-quantised F32, or engine-quantised tensors)
     * @param tokens   one sequence (T), starting at position 0
     * @param observer receives the input of every weight matmul, or {@code null}
     * @return logits (T, vocab): row t predicts token t+1
     */
    float[][] logits(Weights weights, int[] tokens, ActivationObserver observer);

    /** Receives matmul inputs keyed by weight name ({@code layers.3.wq}, {@code tok_embeddings} for a tied classifier). */
    interface ActivationObserver {
        /** @param x (rows, cols) row-major input of the matmul with weight {@code weightName} */
        void observe(String weightName, float[] x, int rows, int cols);
    }
}
