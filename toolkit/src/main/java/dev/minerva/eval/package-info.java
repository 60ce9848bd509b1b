/** Model-quality evaluation on the engine: {@link dev.minerva.eval.Perplexity} (more metrics to come: KL, top-1 agreement). */
package dev.minerva.eval;
