package dev.minerva.engine;

import dev.minerva.tensor.Tensor;

/**
 * What attention reads for one sequence and layer: keys and values (capacity, kvDim) backend
 * tensors, of which the first {@code length} rows are valid.
 */
public record KvView(Tensor keys, Tensor values, int length) {}
