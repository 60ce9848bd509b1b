/**
 * The engine study: is the engine right, and how fast is it? Correctness of stories260K against the
 * llama2.c reference outputs and across formats and dtypes converted in-process (safetensors, GGUF
 * F32/Q8_0/Q4_0: greedy tokens, top-1 agreement, perplexity), and batch-1 prefill/decode speed per
 * model and dtype beside this machine's memory-bandwidth ceiling ({@link dev.minerva.lab.engine.EngineStudy}),
 * with its charts ({@link dev.minerva.lab.engine.EngineFigures}) for paper {@code engine}.
 */
package dev.minerva.lab.engine;
