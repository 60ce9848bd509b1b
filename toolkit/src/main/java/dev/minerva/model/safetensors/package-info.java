/**
 * Hugging Face safetensors: {@link dev.minerva.model.safetensors.SafetensorsFile} (one memory-mapped
 * file, header validated against the file size before use), {@link dev.minerva.model.safetensors.SafetensorsCheckpoint}
 * (single file or shards via {@code model.safetensors.index.json}), {@link dev.minerva.model.safetensors.SafetensorsWriter}
 * (streamed, atomic), and {@link dev.minerva.model.safetensors.SafetensorsModel}: a model folder ⇄ canonical
 * weights, with HF tensor names ({@link dev.minerva.model.safetensors.HfTensorNames}) and HF's rotate-half
 * row order of q/k undone on load ({@link dev.minerva.model.safetensors.HfRopeOrder}).
 * Minerva's Q8_0/Q4_0 tensors may be stored as U8 blocks marked in {@code __metadata__}; other readers
 * will not understand them.
 */
package dev.minerva.model.safetensors;
