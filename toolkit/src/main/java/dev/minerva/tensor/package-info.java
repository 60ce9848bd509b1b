/**
 * Data, no math: {@link dev.minerva.tensor.DType} (element types with their exact storage cost) and
 * {@link dev.minerva.tensor.Tensor} (dtype + shape + a {@link java.lang.foreign.MemorySegment}).
 * Codecs beside them convert between float32 and every layout: {@link dev.minerva.tensor.HalfFloats}
 * (F16/BF16), {@link dev.minerva.tensor.Q8_0Codec}, {@link dev.minerva.tensor.Q4_0Codec} and
 * {@link dev.minerva.tensor.TensorCodec} (rows of any dtype, whole-tensor conversion).
 */
package dev.minerva.tensor;
