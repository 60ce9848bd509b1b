// rope.cuh — the rotation angle of rope.cu's v3/v4 kernels, shared with layer.cu's RoPE epilogue: the pair whose
// first element sits at even index i of its head turns by pos * inv_freq[i / 2], formed and taken sin/cos of in
// double (a float angle is off by ~2e-8 * pos, past the 1e-5 tolerance against the CPU backend at long positions).
#pragma once
#include "common.cuh"

__device__ __forceinline__ void rope_cos_sin(int pos, const float* __restrict__ inv_freq, int i, float* c, float* s) {
    double sd, cd;
    sincos((double)pos * (double)inv_freq[i / 2], &sd, &cd);
    *c = (float)cd;
    *s = (float)sd;
}

// (a, b) rotated: (a c - b s, a s + b c).
__device__ __forceinline__ float2 rope_rotate_cs(float a, float b, float c, float s) {
    return make_float2(a * c - b * s, a * s + b * c);
}
