/**
 * Models: {@link dev.minerva.model.ModelConfig}, {@link dev.minerva.model.Weights} (canonical llama2.c
 * tensor names), {@link dev.minerva.model.Llama} (the forward pass, calling only Backend ops),
 * {@link dev.minerva.model.PrecisionPlan} (tensor name → dtype), {@link dev.minerva.model.ModelLoader}
 * (the one entry point that opens a model file of any format), file formats (llama2.c,
 * safetensors + config.json, GGUF), tokenizers and converters between formats.
 */
package dev.minerva.model;
