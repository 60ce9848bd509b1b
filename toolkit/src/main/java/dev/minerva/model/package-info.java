/**
 * Models: {@link dev.minerva.model.ModelConfig}, weights, the Llama forward pass, file formats
 * (llama2.c, safetensors + config.json, GGUF), tokenizers and converters between formats.
 */
package dev.minerva.model;
