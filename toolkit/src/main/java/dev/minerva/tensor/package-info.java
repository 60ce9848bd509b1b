/**
 * Data, no math: {@link dev.minerva.tensor.DType} (element types with their exact storage cost) and
 * {@link dev.minerva.tensor.Tensor} (dtype + shape + a {@link java.lang.foreign.MemorySegment}).
 * Conversions between float and half/bfloat16 and the block layouts of quantised types live beside
 * them as plain codecs.
 */
package dev.minerva.tensor;
