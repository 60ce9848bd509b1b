/**
 * The GPU kernels' own algorithms in plain Java, where they differ from the CPU backend's (split-KV
 * flash-decoding and its merges, tiled causal GQA prefill attention, the threshold-search top-k/top-p
 * sampler, and the v2 tensor-core GEMM's lane-level index math: shared tiles, ldmatrix addresses, mma fragments). Tests check them against naive math on any machine, so the algorithm is verified before a
 * GPU ever runs it; gpu-check then compares the kernels with the same functions.
 */
package dev.minerva.backend.cuda.reference;
