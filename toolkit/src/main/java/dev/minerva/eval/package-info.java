/** Model-quality evaluation on the engine: {@link dev.minerva.eval.Perplexity} and {@link dev.minerva.eval.NextTokenPredictions} (per-token NLL and top-1 prediction: perplexity, top-1 agreement between two models). */
package dev.minerva.eval;
