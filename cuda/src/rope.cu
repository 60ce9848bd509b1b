// rope.cu — rotary position embedding, llama2.c pairing: within each head, elements (2j, 2j+1) form a
// pair rotated by angle pos * theta^(-2j/head_dim). (HF checkpoints use the half-split pairing; their
// loaders permute wq/wk rows at load time so that this one kernel serves both.)
// q: (n_tokens, n_heads*head_dim), k: (n_tokens, n_kv_heads*head_dim), pos: (n_tokens) int32.
// Launch: grid = n_tokens, block = 128; each thread rotates pairs j = tid, tid+blockDim, ... over
// (n_heads + n_kv_heads) * head_dim/2 pairs. v1/v2 form the angle pos * freq in float, as llama2.c does: it is off
// by about 2e-8 * pos (3.6e-5 at position 2047, measured on the emulator), past the 1e-5 tolerance against the CPU
// backend, whatever sin/cos is used; v3/v4 (what the host launches) take host frequencies and a double angle.
// v1 rope_f32: in place on q and k.
// v3 rope_freq_f32: one tensor, per-pair frequencies from the host (Llama 3 scaling included) and the angle in
//    double (pos * inv_freq, then sin/cos): matches the CPU backend to float rounding at any position.
// v2 rope_kv_append_f32: rotates q in place and writes the rotated k and the untouched v straight into the
//    KV cache at (slot, pos): the separate append kernel and its read of k disappear (decode hot path).
// v4 rope_freq_kv_append_f32: v2 with v3's host frequencies and double angles: one launch instead of
//    rope_freq_f32 on q, rope_freq_f32 on k and kv_append_f32 (CudaDecoder's fused step).
#include "rope.cuh"

// Rotates the pair (a, b) whose first element sits at even index `hd` within its head.
__device__ __forceinline__ void rope_rotate(float a, float b, int hd, int head_dim, float pos, float theta,
                                            float* oa, float* ob) {
    const float freq = 1.0f / powf(theta, (float)hd / (float)head_dim);
    float s, c;
    sincosf(pos * freq, &s, &c);
    *oa = a * c - b * s;
    *ob = a * s + b * c;
}

__device__ __forceinline__ void rope_pair(float* v, int pair, int head_dim, float pos, float theta) {
    rope_rotate(v[2 * pair], v[2 * pair + 1], (2 * pair) % head_dim, head_dim, pos, theta, &v[2 * pair], &v[2 * pair + 1]);
}

extern "C" __global__ void rope_f32(float* __restrict__ q, float* __restrict__ k, const int* __restrict__ pos,
                                    int n_heads, int n_kv_heads, int head_dim, float theta) {
    const int t = blockIdx.x;
    const float p = (float)pos[t];
    const int qpairs = n_heads * head_dim / 2, kpairs = n_kv_heads * head_dim / 2;
    float* qr = q + (long long)t * n_heads * head_dim;
    float* kr = k + (long long)t * n_kv_heads * head_dim;
    for (int j = threadIdx.x; j < qpairs + kpairs; j += blockDim.x) {
        if (j < qpairs) rope_pair(qr, j, head_dim, p, theta);
        else rope_pair(kr, j - qpairs, head_dim, p, theta);
    }
}

// KV cache layout (see README): for one layer, element (slot, pos, kv_head, d) is at
//   cache[slot * slot_stride + (pos * n_kv_heads + kv_head) * head_dim + d]
// i.e. (seq, kv_heads, head_dim) contiguous per sequence; the caller passes the layer's base pointer and
// the distance between sequences (slot_stride), so (layer, slot, seq, ...) and (slot, layer, seq, ...) both work.
extern "C" __global__ void rope_kv_append_f32(float* __restrict__ q, const float* __restrict__ k,
                                              const float* __restrict__ v, float* __restrict__ kcache,
                                              float* __restrict__ vcache, const int* __restrict__ pos,
                                              const int* __restrict__ slots, long long slot_stride,
                                              int n_heads, int n_kv_heads, int head_dim, float theta) {
    const int t = blockIdx.x;
    const int p = pos[t];
    const int kvdim = n_kv_heads * head_dim;
    const int qpairs = n_heads * head_dim / 2, kpairs = kvdim / 2;
    float* qr = q + (long long)t * n_heads * head_dim;
    const float* kr = k + (long long)t * kvdim;
    const float* vr = v + (long long)t * kvdim;
    const long long base = slots[t] * slot_stride + (long long)p * kvdim;
    for (int j = threadIdx.x; j < qpairs + kpairs; j += blockDim.x) {
        if (j < qpairs) {
            rope_pair(qr, j, head_dim, (float)p, theta);
        } else {
            const int pj = j - qpairs;
            rope_rotate(kr[2 * pj], kr[2 * pj + 1], (2 * pj) % head_dim, head_dim, (float)p, theta,
                        &kcache[base + 2 * pj], &kcache[base + 2 * pj + 1]);
            vcache[base + 2 * pj] = vr[2 * pj];
            vcache[base + 2 * pj + 1] = vr[2 * pj + 1];
        }
    }
}

// x: (n_tokens, width) with width = n_heads*head_dim; inv_freq: (head_dim/2) f32. grid = n_tokens, block = 128.
extern "C" __global__ void rope_freq_f32(float* __restrict__ x, const int* __restrict__ pos,
                                         const float* __restrict__ inv_freq, int width, int head_dim) {
    const int t = blockIdx.x;
    float* xr = x + (long long)t * width;
    const int p = pos[t];
    for (int j = threadIdx.x; j < width / 2; j += blockDim.x) {
        float c, s;
        rope_cos_sin(p, inv_freq, (2 * j) % head_dim, &c, &s);
        const float2 r = rope_rotate_cs(xr[2 * j], xr[2 * j + 1], c, s);
        xr[2 * j] = r.x;
        xr[2 * j + 1] = r.y;
    }
}

// q: (n_tokens, n_heads*head_dim) rotated in place; k, v: (n_tokens, n_kv_heads*head_dim) read; the rotated k and
// the v row written to the caches at (slots[t], pos[t]) (layout as rope_kv_append_f32). inv_freq: (head_dim/2).
// grid = n_tokens, block = 128.
extern "C" __global__ void rope_freq_kv_append_f32(float* __restrict__ q, const float* __restrict__ k,
                                                   const float* __restrict__ v, float* __restrict__ kcache,
                                                   float* __restrict__ vcache, const int* __restrict__ pos,
                                                   const int* __restrict__ slots, long long slot_stride,
                                                   const float* __restrict__ inv_freq, int n_heads, int n_kv_heads,
                                                   int head_dim) {
    const int t = blockIdx.x;
    const int kvdim = n_kv_heads * head_dim;
    const int qpairs = n_heads * head_dim / 2, kpairs = kvdim / 2;
    float* qr = q + (long long)t * n_heads * head_dim;
    const float* kr = k + (long long)t * kvdim;
    const float* vr = v + (long long)t * kvdim;
    const int p = pos[t];
    const long long base = slots[t] * slot_stride + (long long)p * kvdim;
    for (int j = threadIdx.x; j < qpairs + kpairs; j += blockDim.x) {
        const int pj = j < qpairs ? j : j - qpairs;
        float c, s;
        rope_cos_sin(p, inv_freq, (2 * pj) % head_dim, &c, &s);
        if (j < qpairs) {
            const float2 r = rope_rotate_cs(qr[2 * pj], qr[2 * pj + 1], c, s);
            qr[2 * pj] = r.x;
            qr[2 * pj + 1] = r.y;
        } else {
            const float2 r = rope_rotate_cs(kr[2 * pj], kr[2 * pj + 1], c, s);
            kcache[base + 2 * pj] = r.x;
            kcache[base + 2 * pj + 1] = r.y;
            vcache[base + 2 * pj] = vr[2 * pj];
            vcache[base + 2 * pj + 1] = vr[2 * pj + 1];
        }
    }
}
