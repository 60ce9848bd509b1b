// gemv.cuh — the pieces of the decode GEMVs that gemv.cu's entries and layer.cu's fused layer kernels share: the
// weight loaders (16 bytes per lane per step), one lane's products against the activations, the warp's sums, the row
// loops of v1/v4 (one row, or two rows side by side) and v5's Q8_0 x Q8_0 __dp4a row. See gemv.cu for the shapes and
// the versions.
#pragma once
#include "common.cuh"

#define GEMV_WARPS 4

// Weight loaders for the split layout and the 16-bit types: fetch() issues the loads (16 bytes, plus the block scale
// for Q8_0/Q4_0), decode() turns the 16 bytes into E unscaled floats; v4 multiplies a block's dot product by raw.s
// (1 for f16/bf16, folded away by the compiler), v1 (Load<F>) every weight. STREAM: the __ldcs hint (v4).
struct Raw16 { uint4 u; float s; };

template <bool STREAM>
__device__ __forceinline__ uint4 load16(const void* p) {
    if constexpr (STREAM) return __ldcs(reinterpret_cast<const uint4*>(p));
    else return *reinterpret_cast<const uint4*>(p);
}

// f16 and bf16: 8 elements per 16-byte load; the two differ only in decode().
template <class T>
struct Fetch16Bit {
    static constexpr int E = 8;
    const T* w; long long K;
    __device__ Fetch16Bit(const T* w_, int K_) : w(w_), K(K_) {}
    template <bool STREAM = true>
    __device__ __forceinline__ Raw16 fetch(int r, int c) const { return Raw16{load16<STREAM>(w + (long long)r * K + c), 1.f}; }
};

struct FetchF16 : Fetch16Bit<__half> {
    using Fetch16Bit<__half>::Fetch16Bit;
    __device__ __forceinline__ void decode(const Raw16& raw, float* v) const {
        const __half2* h = reinterpret_cast<const __half2*>(&raw.u);
#pragma unroll
        for (int i = 0; i < 4; i++) { const float2 f = __half22float2(h[i]); v[2 * i] = f.x; v[2 * i + 1] = f.y; }
    }
};

struct FetchBF16 : Fetch16Bit<__nv_bfloat16> {
    using Fetch16Bit<__nv_bfloat16>::Fetch16Bit;
    __device__ __forceinline__ void decode(const Raw16& raw, float* v) const {
        const uint32_t* p = reinterpret_cast<const uint32_t*>(&raw.u);
#pragma unroll
        for (int i = 0; i < 4; i++) {
            v[2 * i] = __uint_as_float(p[i] << 16);
            v[2 * i + 1] = __uint_as_float(p[i] & 0xffff0000u);
        }
    }
};

// The split layout (CudaBackend's upload of Q8_0 and Q4_0): qs (rows, K / PACK) bytes, PACK elements a byte, then
// d (rows, K/32) f16, one scale a block. A load is 16 bytes of qs and the scale of their block.
template <class QT, int PACK>
struct FetchSplit {
    static constexpr int E = 16 * PACK;
    const QT* qs; const __half* d; long long K;
    __device__ FetchSplit(const QT* q_, const __half* d_, int K_) : qs(q_), d(d_), K(K_) {}
    template <bool STREAM = true>
    __device__ __forceinline__ Raw16 fetch(int r, int c) const {
        return Raw16{load16<STREAM>(qs + (long long)r * (K / PACK) + c / PACK), __half2float(d[(long long)r * (K / MINERVA_QK) + c / MINERVA_QK])};
    }
};

// Q8_0: int8 values, 16 elements per load (half a block).
struct FetchQ8Split : FetchSplit<int8_t, 1> {
    using FetchSplit<int8_t, 1>::FetchSplit;
    __device__ __forceinline__ void decode(const Raw16& raw, float* v) const {
        const int8_t* q = reinterpret_cast<const int8_t*>(&raw.u);
#pragma unroll
        for (int i = 0; i < 16; i++) v[i] = (float)q[i];
    }
};

// Q4_0: 16 bytes per block, ggml nibble order (low: elements 0..15, high: 16..31). One block per load.
struct FetchQ4Split : FetchSplit<uint8_t, 2> {
    using FetchSplit<uint8_t, 2>::FetchSplit;
    __device__ __forceinline__ void decode(const Raw16& raw, float* v) const {
        const uint8_t* b = reinterpret_cast<const uint8_t*>(&raw.u);
#pragma unroll
        for (int i = 0; i < 16; i++) {
            v[i] = (float)((int)(b[i] & 0x0F) - 8);
            v[i + 16] = (float)((int)(b[i] >> 4) - 8);
        }
    }
};

// v1's loaders: the same loads without the hint, every weight scaled (load() gives E weights as floats).
template <class F>
struct Load : F {
    using F::F;
    __device__ __forceinline__ void load(int r, int c, float* v) const {
        const Raw16 raw = F::template fetch<false>(r, c);
        F::decode(raw, v);
#pragma unroll
        for (int i = 0; i < F::E; i++) v[i] *= raw.s;
    }
};
using LoadF16 = Load<FetchF16>;
using LoadBF16 = Load<FetchBF16>;
using LoadQ8Split = Load<FetchQ8Split>;
using LoadQ4Split = Load<FetchQ4Split>;

// acc[b] += scale * (w . x[b][c, c+E)) for the batch rows b < nb: one lane's chunk of a weight row.
template <int NB, int E>
__device__ __forceinline__ void gemv_accumulate(const float* w, float scale, const float* __restrict__ x, int K, int c,
                                                int nb, float (&acc)[NB]) {
#pragma unroll
    for (int b = 0; b < NB; b++) {
        if (b < nb) {
            const float4* xb = reinterpret_cast<const float4*>(x + (long long)b * K + c);
            float s = 0.f;
#pragma unroll
            for (int e = 0; e < E / 4; e++) {
                const float4 xv = xb[e];
                s += w[4 * e] * xv.x + w[4 * e + 1] * xv.y + w[4 * e + 2] * xv.z + w[4 * e + 3] * xv.w;
            }
            acc[b] += scale * s;
        }
    }
}

// y[split][b][r] = the warp's sum of acc[b], for b < nb.
template <int NB>
__device__ __forceinline__ void gemv_store(const float (&acc)[NB], float* __restrict__ y, int split, int nb, int rows, int r) {
    float* ys = y + (long long)split * nb * rows;
#pragma unroll
    for (int b = 0; b < NB; b++) {
        if (b < nb) {
            const float v = warp_sum(acc[b]);
            if ((threadIdx.x & 31) == 0) ys[(long long)b * rows + r] = v;
        }
    }
}

#define GEMV_V4_DEPTH 4

// acc[b] += row r of the weights . row b of x over columns [k0, k1), for b < nb (the lanes' partial sums; gemv_store
// or another epilogue adds them up). v1 (V4 false): one 16-byte load per step, the compiler's unroll of 2. v4:
// GEMV_V4_DEPTH loads per lane in flight, then their products, the block scale once per product. x may be global or
// shared memory.
template <int NB, bool V4, class L>
__device__ __forceinline__ void gemv_row_acc(const L& ld, const float* __restrict__ x, int K, int nb, int r, int k0,
                                             int k1, float (&acc)[NB]) {
    constexpr int STEP = 32 * L::E;
    const int lane = threadIdx.x & 31;
    if constexpr (V4) {
        constexpr int U = GEMV_V4_DEPTH;
        for (int c0 = k0 + lane * L::E; c0 < k1; c0 += U * STEP) {
            Raw16 raw[U];
#pragma unroll
            for (int u = 0; u < U; u++)
                if (c0 + u * STEP < k1) raw[u] = ld.fetch(r, c0 + u * STEP);
#pragma unroll
            for (int u = 0; u < U; u++) {
                const int c = c0 + u * STEP;
                if (c >= k1) break;
                float w[L::E];
                ld.decode(raw[u], w);
                gemv_accumulate<NB, L::E>(w, raw[u].s, x, K, c, nb, acc);
            }
        }
    } else {
#pragma unroll 2
        for (int c = k0 + lane * L::E; c < k1; c += STEP) {
            float w[L::E];
            ld.load(r, c, w);
            gemv_accumulate<NB, L::E>(w, 1.f, x, K, c, nb, acc);
        }
    }
}

// ag[b] += sg_scale * (wg . x[b][c, c+E)) and au[b] += su_scale * (wu . x[b][c, c+E)) for the batch rows b < nb:
// one chunk of a w1 row and a w3 row against the same activations.
template <int NB, int E>
__device__ __forceinline__ void swiglu_accumulate(const float* wg, const float* wu, float sg_scale, float su_scale,
                                                  const float* __restrict__ x, int K, int c, int nb, float (&ag)[NB],
                                                  float (&au)[NB]) {
#pragma unroll
    for (int b = 0; b < NB; b++) {
        if (b < nb) {
            const float4* xb = reinterpret_cast<const float4*>(x + (long long)b * K + c);
            float sg = 0.f, su = 0.f;
#pragma unroll
            for (int e = 0; e < E / 4; e++) {
                const float4 xv = xb[e];
                sg += wg[4 * e] * xv.x + wg[4 * e + 1] * xv.y + wg[4 * e + 2] * xv.z + wg[4 * e + 3] * xv.w;
                su += wu[4 * e] * xv.x + wu[4 * e + 1] * xv.y + wu[4 * e + 2] * xv.z + wu[4 * e + 3] * xv.w;
            }
            ag[b] += sg_scale * sg;
            au[b] += su_scale * su;
        }
    }
}

// h[b][r] = silu(g) * u from the lanes' partial sums, as silu_mul_f32 computes it.
template <int NB>
__device__ __forceinline__ void swiglu_store(const float (&ag)[NB], const float (&au)[NB], float* __restrict__ h,
                                             int rows, int r, int nb) {
#pragma unroll
    for (int b = 0; b < NB; b++) {
        if (b < nb) {
            const float g = warp_sum(ag[b]), u = warp_sum(au[b]);
            if ((threadIdx.x & 31) == 0) h[(long long)b * rows + r] = g / (1.0f + expf(-g)) * u;
        }
    }
}


// ag[b] += row ra of la . x[b] and au[b] += row rb of lb . x[b] over all K columns, for b < nb: two rows side by side,
// x read once for both (w1/w3 of SwiGLU; the two rows of a RoPE pair). v1 (V4 false): one load of each row per step.
// v4: the two rows' loads for GEMV_V4_DEPTH / 2 steps in flight at once.
template <int NB, bool V4, class L>
__device__ __forceinline__ void gemv_pair_acc(const L& la, const L& lb, int ra, int rb, const float* __restrict__ x,
                                              int K, int nb, float (&ag)[NB], float (&au)[NB]) {
    constexpr int STEP = 32 * L::E;
    const int lane = threadIdx.x & 31;
    if constexpr (V4) {
        constexpr int U = GEMV_V4_DEPTH / 2;
        for (int c0 = lane * L::E; c0 < K; c0 += U * STEP) {
            Raw16 rg[U], ru[U];
#pragma unroll
            for (int u = 0; u < U; u++)
                if (c0 + u * STEP < K) { rg[u] = la.fetch(ra, c0 + u * STEP); ru[u] = lb.fetch(rb, c0 + u * STEP); }
#pragma unroll
            for (int u = 0; u < U; u++) {
                const int c = c0 + u * STEP;
                if (c >= K) break;
                float wg[L::E], wu[L::E];
                la.decode(rg[u], wg);
                lb.decode(ru[u], wu);
                swiglu_accumulate<NB, L::E>(wg, wu, rg[u].s, ru[u].s, x, K, c, nb, ag, au);
            }
        }
    } else {
        for (int c = lane * L::E; c < K; c += STEP) {
            float wg[L::E], wu[L::E];
            la.load(ra, c, wg);
            lb.load(rb, c, wu);
            swiglu_accumulate<NB, L::E>(wg, wu, 1.f, 1.f, x, K, c, nb, ag, au);
        }
    }
}


// One Q8_0 block of activations, a value per lane, as Q8_0Codec.quantize's activation path: d = max|v| / 127,
// q = round half away from zero (v * (1/d)), and the scale kept is d rounded to f16. Returns q; *d_out = that scale.
__device__ __forceinline__ int8_t quantize_q8_lane(float v, float* d_out) {
    const float d = warp_max(fabsf(v)) / 127.f;
    const float id = d != 0.f ? 1.f / d : 0.f;
    *d_out = __half2float(__float2half_rn(d));
    return (int8_t)(int)roundf(v * id);
}

// v5: acc[b] += row r of a quantised matrix (qs, d) . row b of the Q8_0 activations (xq, xd) over columns [k0, k1),
// GEMV_V4_DEPTH 16-byte weight loads per lane in flight, then per load and batch row the int32 dot (__dp4a) times both
// scales. W is the format: Q8DotBytes (16 int8 values, half a block, per load) or Q4DotBytes (16 bytes of nibbles, one
// block); W::prepare turns a load into what W::dot multiplies against E activation bytes.
struct Q8DotBytes {
    using QT = int8_t;
    static constexpr int E = 16;
    using Prep = uint4;
    __device__ __forceinline__ static Prep prepare(const uint4& w) { return w; }
    __device__ __forceinline__ static int dot(const Prep& w, const int8_t* __restrict__ x) {
        const uint4 xv = *reinterpret_cast<const uint4*>(x);
        int s = __dp4a((int)w.x, (int)xv.x, 0);
        s = __dp4a((int)w.y, (int)xv.y, s);
        s = __dp4a((int)w.z, (int)xv.z, s);
        return __dp4a((int)w.w, (int)xv.w, s);
    }
};

// Q4_0: element j in the low nibble of byte j, element j + 16 in the high one (ggml's order); each nibble n becomes the
// int8 n - 8 (__vsub4 per 4 bytes: n - 8 fits a byte, so no borrow crosses bytes), once per load for all batch rows.
struct Q4DotBytes {
    using QT = uint8_t;
    static constexpr int E = 32;
    struct Prep { int lo[4], hi[4]; };   // elements 4t..4t+3 and 16+4t..16+4t+3
    __device__ __forceinline__ static Prep prepare(const uint4& w) {
        const unsigned u[4] = {w.x, w.y, w.z, w.w};
        Prep p;
#pragma unroll
        for (int t = 0; t < 4; t++) {
            p.lo[t] = (int)__vsub4(u[t] & 0x0F0F0F0Fu, 0x08080808u);
            p.hi[t] = (int)__vsub4((u[t] >> 4) & 0x0F0F0F0Fu, 0x08080808u);
        }
        return p;
    }
    __device__ __forceinline__ static int dot(const Prep& w, const int8_t* __restrict__ x) {
        const int4* xv = reinterpret_cast<const int4*>(x);
        const int4 x0 = xv[0], x1 = xv[1];   // elements 0..15, 16..31
        int s = __dp4a(w.lo[0], x0.x, 0);
        s = __dp4a(w.lo[1], x0.y, s);
        s = __dp4a(w.lo[2], x0.z, s);
        s = __dp4a(w.lo[3], x0.w, s);
        s = __dp4a(w.hi[0], x1.x, s);
        s = __dp4a(w.hi[1], x1.y, s);
        s = __dp4a(w.hi[2], x1.z, s);
        return __dp4a(w.hi[3], x1.w, s);
    }
};

template <int NB, class W>
__device__ __forceinline__ void dp4a_row_of(const typename W::QT* __restrict__ qs, const __half* __restrict__ d,
                                            const int8_t* __restrict__ xq, const float* __restrict__ xd,
                                            int r, int K, int nb, int k0, int k1, float (&acc)[NB]) {
    constexpr int E = W::E, STEP = 32 * E, U = GEMV_V4_DEPTH;
    const int lane = threadIdx.x & 31;
    const int kb = K / MINERVA_QK;
    const uint8_t* row = reinterpret_cast<const uint8_t*>(qs) + (long long)r * K * 16 / E;   // 16 bytes per E values
    for (int c0 = k0 + lane * E; c0 < k1; c0 += U * STEP) {
        uint4 wq[U];
        float wd[U];
#pragma unroll
        for (int u = 0; u < U; u++) {
            const int c = c0 + u * STEP;
            if (c < k1) {
                wq[u] = __ldcs(reinterpret_cast<const uint4*>(row + (long long)c * 16 / E));
                wd[u] = __half2float(d[(long long)r * kb + c / MINERVA_QK]);
            }
        }
#pragma unroll
        for (int u = 0; u < U; u++) {
            const int c = c0 + u * STEP;
            if (c >= k1) break;
            const typename W::Prep w = W::prepare(wq[u]);
#pragma unroll
            for (int b = 0; b < NB; b++) {
                if (b < nb) {
                    const int s = W::dot(w, xq + (long long)b * K + c);
                    acc[b] += (float)s * (wd[u] * xd[(long long)b * kb + c / MINERVA_QK]);
                }
            }
        }
    }
}

// Overloaded on the values' type: int8_t for Q8_0, uint8_t (packed nibbles) for Q4_0.
template <int NB>
__device__ __forceinline__ void dp4a_row(const int8_t* __restrict__ qs, const __half* __restrict__ d,
                                         const int8_t* __restrict__ xq, const float* __restrict__ xd,
                                         int r, int K, int nb, int k0, int k1, float (&acc)[NB]) {
    dp4a_row_of<NB, Q8DotBytes>(qs, d, xq, xd, r, K, nb, k0, k1, acc);
}
template <int NB>
__device__ __forceinline__ void dp4a_row(const uint8_t* __restrict__ qs, const __half* __restrict__ d,
                                         const int8_t* __restrict__ xq, const float* __restrict__ xd,
                                         int r, int K, int nb, int k0, int k1, float (&acc)[NB]) {
    dp4a_row_of<NB, Q4DotBytes>(qs, d, xq, xd, r, K, nb, k0, k1, acc);
}
