/**
 * The {@link dev.minerva.backend.Backend} SPI (the ops of the forward pass, with
 * {@code supports(op, dtype)}) and {@link dev.minerva.backend.CpuBackend}, its Vector-API,
 * multi-threaded implementation. The CPU kernels, one concern each: {@code FloatKernels} and
 * {@code QuantKernels} (decode matvecs; int8 dot products for Q8_0/Q4_0), {@code PrefillGemm}
 * (many-token matmul for every dtype), {@code AttentionKernel}, and {@link dev.minerva.backend.WorkerPool}
 * (parallel loops). A GPU backend lives in {@code backend.cuda}.
 */
package dev.minerva.backend;
