/**
 * The inference engine above the forward pass: {@link dev.minerva.engine.Batch} (ragged input),
 * {@link dev.minerva.engine.KvCache} (SPI) with {@link dev.minerva.engine.DenseKvCache},
 * attention masks ({@link dev.minerva.engine.TreeMask}; causal is
 * {@link dev.minerva.backend.AttentionMask#CAUSAL}), {@link dev.minerva.engine.ForwardHooks} (named taps),
 * {@link dev.minerva.engine.Sampler} and {@link dev.minerva.engine.Generator}.
 */
package dev.minerva.engine;
