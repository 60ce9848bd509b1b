// rmsnorm.cuh — the row norm that rmsnorm.cu's kernels and layer.cu's norm prologues share, so the fused prologue
// computes exactly the values rmsnorm_f32 writes (same block-wide reduction order for the same block size).
#pragma once
#include "common.cuh"

// 1 / sqrt(mean_i(x[i]^2) + eps) over one row, summed by the whole block (thread t takes i = t, t + blockDim, ...);
// every thread gets it. `scratch` needs 32 floats.
__device__ __forceinline__ float rms_scale(const float* __restrict__ xr, int dim, float eps, float* scratch) {
    float ss = 0.f;
    for (int i = threadIdx.x; i < dim; i += blockDim.x) ss += xr[i] * xr[i];
    ss = block_sum(ss, scratch);
    return rsqrtf(ss / dim + eps);
}

// The normalised element i: w[i] * (scale * x[i]), llama2.c's order of the two multiplies.
__device__ __forceinline__ float rms_apply(float x, float w, float scale) { return w * (scale * x); }
