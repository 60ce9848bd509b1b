/**
 * The {@link dev.minerva.backend.Backend} SPI (the ops of the forward pass, with
 * {@code supports(op, dtype)}) and {@link dev.minerva.backend.CpuBackend}, its Vector-API,
 * multi-threaded implementation. A GPU backend lives in {@code backend.cuda}.
 */
package dev.minerva.backend;
