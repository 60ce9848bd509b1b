/**
 * GGUF (llama.cpp's format), version 3 (and 2): {@link dev.minerva.model.gguf.GgufFile} reads the
 * header, typed metadata and tensor infos with every count, length, dimension and extent checked
 * against the file size, and maps F32/F16/BF16/Q8_0/Q4_0 tensors without copying;
 * {@link dev.minerva.model.gguf.GgufWriter} writes atomically with aligned, streamed tensor data;
 * {@link dev.minerva.model.gguf.GgufModel} maps {@code llama.*} metadata to a
 * {@link dev.minerva.model.ModelConfig} and {@code blk.*} names to canonical ones
 * ({@link dev.minerva.model.gguf.GgufTensorNames}); {@link dev.minerva.model.gguf.GgufTokenizers} reads
 * and writes the embedded vocabulary. Dimensions are stored innermost-first; q/k rows are in Meta's
 * interleaved RoPE order, as llama.cpp writes them, which is llama2.c's.
 */
package dev.minerva.model.gguf;
