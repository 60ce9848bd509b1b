// sample.cu — token selection on the device: only the chosen token id (and its probability) crosses to the host.
// logits: (rows, vocab) f32; one block of 1024 threads per row (grid = rows).
//
// argmax_f32: greedy; ties go to the smallest index, NaNs never win except at index 0 (as the CPU loop
//   best = 0; if (l[i] > l[best]) best = i).
// argmax_prob_f32: argmax_f32's token and its softmax probability at temperature 1, 1 / sum_i exp(l[i] - l[best]),
//   what engine.Sampler's greedy path reports (softmaxOfArgmax), NaN where its is (any NaN, l[best] = +inf, all -inf).
// sample_topkp_f32: temperature, then the intersection of top-k and top-p (nucleus), then a draw.
//   The kept set is {i : z_i >= tau}. tau is found without sorting: a binary search over the 32-bit
//   order-preserving keys of the floats for the largest tau with count(z >= tau) >= k  OR
//   mass(z >= tau) >= p * total mass (32 block reductions; exact, ties at tau are all kept).
//   The draw: u in [0,1) from a counter-based hash of (seed, counter + row) (counter lives in device memory
//   so a captured CUDA graph replays with fresh randomness; rng_advance bumps it), target = u * kept mass,
//   and the first kept token in index order whose cumulative mass exceeds the target.
//   The same algorithm in Java: dev.minerva.backend.cuda.reference.TopKTopPReference.
// v1: thread-contiguous chunks, warp-shuffle scan of chunk sums. Then argmax_prob_f32, with argmax_f32's selection
//   moved unchanged into block_argmax so that both entries run the same code.
#include "common.cuh"

#define SAMPLE_THREADS 1024

// The CPU's greedy pick over one row z[0..vocab) (best = 0; best = i when z[i] > z[best]), by the whole block:
// every thread must call it; thread 0 alone then calls emit(token). sv, si: 32 shared slots each.
// (A callback rather than a return value keeps argmax_f32 the same instructions as before it shared this code.)
template <class Emit>
__device__ __forceinline__ void block_argmax(const float* __restrict__ z, int vocab, float* sv, int* si, Emit emit) {
    float best = -INFINITY;
    int bi = 0x7fffffff;
    for (int i = threadIdx.x; i < vocab; i += blockDim.x) {
        const float v = z[i];
        if (v > best) { best = v; bi = i; }   // strided: a thread's indices increase, so '>' keeps its first max
    }
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        const float ov = __shfl_xor_sync(0xffffffffu, best, o);
        const int oi = __shfl_xor_sync(0xffffffffu, bi, o);
        if (ov > best || (ov == best && oi < bi)) { best = ov; bi = oi; }
    }
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nw = blockDim.x >> 5;
    if (lane == 0) { sv[warp] = best; si[warp] = bi; }
    __syncthreads();
    if (warp == 0) {
        best = lane < nw ? sv[lane] : -INFINITY;
        bi = lane < nw ? si[lane] : 0x7fffffff;
#pragma unroll
        for (int o = 16; o > 0; o >>= 1) {
            const float ov = __shfl_xor_sync(0xffffffffu, best, o);
            const int oi = __shfl_xor_sync(0xffffffffu, bi, o);
            if (ov > best || (ov == best && oi < bi)) { best = ov; bi = oi; }
        }
        // all-NaN/-inf row -> 0; a NaN at index 0 wins as in the CPU loop (every '>' against it is false)
        if (lane == 0) emit((bi == 0x7fffffff || z[0] != z[0]) ? 0 : bi);
    }
}

extern "C" __global__ void __launch_bounds__(SAMPLE_THREADS)
argmax_f32(const float* __restrict__ logits, int vocab, int* __restrict__ out_token) {
    __shared__ float sv[32];
    __shared__ int si[32];
    block_argmax(logits + (long long)blockIdx.x * vocab, vocab, sv, si, [&](int tok) { out_token[blockIdx.x] = tok; });
}

// out_prob = 1 / sum_i expf(l[i] - l[best]): l[best]'s own term is 1, so the sum is >= 1 unless it is NaN, which
// it is exactly when the Sampler's double sum is (NaN - x, inf - inf and -inf - -inf are NaN, so is expf of them).
extern "C" __global__ void __launch_bounds__(SAMPLE_THREADS)
argmax_prob_f32(const float* __restrict__ logits, int vocab, int* __restrict__ out_token, float* __restrict__ out_prob) {
    __shared__ float sv[32];
    __shared__ int si[32];
    __shared__ int chosen;
    const float* z = logits + (long long)blockIdx.x * vocab;
    block_argmax(z, vocab, sv, si, [&](int tok) { chosen = tok; });
    __syncthreads();
    const int tok = chosen;
    const float zb = z[tok];
    float s = 0.f;
    for (int i = threadIdx.x; i < vocab; i += blockDim.x) s += expf(z[i] - zb);
    s = block_sum(s, sv);
    if (threadIdx.x == 0) {
        out_token[blockIdx.x] = tok;
        out_prob[blockIdx.x] = 1.0f / s;
    }
}

__device__ __forceinline__ unsigned long long splitmix64(unsigned long long x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

// rng_state[0] = seed, rng_state[1] = counter. u = top 24 bits of splitmix64(seed ^ splitmix64(counter + row)) / 2^24.
extern "C" __global__ void rng_advance(unsigned long long* rng_state, int rows) {
    if (threadIdx.x == 0 && blockIdx.x == 0) rng_state[1] += (unsigned long long)rows;
}

extern "C" __global__ void __launch_bounds__(SAMPLE_THREADS)
sample_topkp_f32(const float* __restrict__ logits, int vocab, float temperature, int top_k, float top_p,
                 const unsigned long long* __restrict__ rng_state, int* __restrict__ out_token,
                 float* __restrict__ out_prob) {
    __shared__ float scratch[32];
    __shared__ float warp_tot[32];
    __shared__ int chosen;
    const float* l = logits + (long long)blockIdx.x * vocab;
    const float inv_t = 1.0f / temperature;
    const bool use_k = top_k > 0 && top_k < vocab;
    const bool use_p = top_p > 0.f && top_p < 1.f;

    float mx = -INFINITY, mn = INFINITY;
    for (int i = threadIdx.x; i < vocab; i += blockDim.x) { const float z = l[i] * inv_t; mx = fmaxf(mx, z); mn = fminf(mn, z); }
    mx = block_max(mx, scratch);
    mn = -block_max(-mn, scratch);
    float total = 0.f;
    for (int i = threadIdx.x; i < vocab; i += blockDim.x) total += expf(l[i] * inv_t - mx);
    total = block_sum(total, scratch);

    // Binary search for the largest key whose kept set still satisfies the top-k or the top-p condition.
    uint32_t lo = float_key(mn), hi = float_key(mx);
    if (use_k || use_p) {
        while (lo < hi) {
            const uint32_t mid = lo + (hi - lo + 1) / 2;
            const float tau = key_float(mid);
            float cnt = 0.f, mass = 0.f;
            for (int i = threadIdx.x; i < vocab; i += blockDim.x) {
                const float z = l[i] * inv_t;
                if (z >= tau) { cnt += 1.f; mass += expf(z - mx); }
            }
            cnt = block_sum(cnt, scratch);     // counts < 2^24 are exact in float
            mass = block_sum(mass, scratch);
            const bool ok = (use_k && cnt >= (float)top_k) || (use_p && mass >= top_p * total);
            if (ok) lo = mid; else hi = mid - 1;
        }
    }
    const float tau = key_float(lo);

    // Thread-contiguous chunks so that "index order" is a scan over threads.
    const int chunk = (vocab + blockDim.x - 1) / blockDim.x;
    const int begin = min(vocab, (int)threadIdx.x * chunk), end = min(vocab, begin + chunk);
    float csum = 0.f;
    int last_kept = -1;
    for (int i = begin; i < end; i++) {
        const float z = l[i] * inv_t;
        if (z >= tau) { csum += expf(z - mx); last_kept = i; }
    }
    // inclusive scan of csum over threads
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nw = blockDim.x >> 5;
    float incl = csum;
#pragma unroll
    for (int o = 1; o < 32; o <<= 1) { const float y = __shfl_up_sync(0xffffffffu, incl, o); if (lane >= o) incl += y; }
    if (lane == 31) warp_tot[warp] = incl;
    if (threadIdx.x == 0) chosen = -1;
    __syncthreads();
    if (warp == 0) {
        float w = lane < nw ? warp_tot[lane] : 0.f;
#pragma unroll
        for (int o = 1; o < 32; o <<= 1) { const float y = __shfl_up_sync(0xffffffffu, w, o); if (lane >= o) w += y; }
        if (lane < nw) warp_tot[lane] = w;   // inclusive totals per warp
    }
    __syncthreads();
    const float kept_mass = warp_tot[nw - 1];
    const float excl = incl - csum + (warp > 0 ? warp_tot[warp - 1] : 0.f);

    const unsigned long long ctr = rng_state[1] + blockIdx.x;
    const float u = (float)(splitmix64(rng_state[0] ^ splitmix64(ctr)) >> 40) * (1.0f / 16777216.0f);
    const float target = u * kept_mass;
    if (csum > 0.f && target >= excl && target < excl + csum) {
        float acc = excl;
        int pick = last_kept;
        for (int i = begin; i < end; i++) {
            const float z = l[i] * inv_t;
            if (z >= tau) { acc += expf(z - mx); if (acc > target) { pick = i; break; } }
        }
        atomicMax(&chosen, pick);   // at most one thread normally; max makes rounding overlaps deterministic
    }
    __syncthreads();
    if (chosen < 0) {   // target fell past the rounded total: take the last kept token
        float lk = block_max((float)last_kept, scratch);
        if (threadIdx.x == 0) chosen = (int)lk;
    }
    __syncthreads();
    if (threadIdx.x == 0) {
        const int tok = chosen;
        out_token[blockIdx.x] = tok;
        if (out_prob) out_prob[blockIdx.x] = expf(l[tok] * inv_t - mx) / kept_mass;
    }
}

// After a decode step: every sequence moves one position on; lens = pos + 1 keys for the next step.
// Device-resident so a captured graph replays step after step with no host copy. grid 1, block 128.
extern "C" __global__ void decode_advance(int* __restrict__ pos, int* __restrict__ lens, int n) {
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        const int p = pos[i] + 1;
        pos[i] = p;
        lens[i] = p + 1;
    }
}
