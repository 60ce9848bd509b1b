/**
 * Converters between model formats and synthetic models: {@link dev.minerva.model.convert.Converter}
 * (any readable model → safetensors folder or GGUF), {@link dev.minerva.model.convert.ConversionPlan}
 * (which dtype each tensor is stored as), {@link dev.minerva.model.convert.SyntheticModel} (random
 * weights at a preset's exact shape, produced row by row so multi-GB files stream to disk).
 */
package dev.minerva.model.convert;
