// gemv.cu — decode matmul: y[b][r] = sum_c W[r][c] * x[b][c] for a batch of 1..32 activation rows
// (GEMV at batch 1, skinny GEMM above). Memory-bound: every weight byte is read once per call, so the
// figure of merit is weight bytes / time against device-copy bandwidth (gpu-check reports it).
//
// Shapes: W (rows, K) in its dtype; x (nb, K) f32; y (splits, nb, rows) f32 (splits = gridDim.y).
// Launch: block = 128 threads (4 warps, one output row per warp), grid = (ceil(rows/4), splits).
//   Split-K when rows are few (e.g. wk/wv: kv_dim = 256 rows -> 64 blocks < 132 SMs): split s covers columns
//   [s*k_split, min(K,(s+1)*k_split)); with splits > 1 the caller sums the partials with splitk_reduce_f32
//   (fixed order: deterministic, unlike atomicAdd). k_split is a multiple of 1024 (every chunk size below).
// Entry points gemv_<dtype>_nb<NB>, NB in {1,2,4,8,16,32}: the host picks the smallest NB >= nb, so the
//   batch accumulators stay in registers (compile-time NB); rows b >= nb are skipped.
// Each lane reads 16 bytes of W per step (uint4), coalesced across the warp.
// Versions:
//   v1 gemv_q8_0_aos / gemv_q4_0_aos: ggml block layout as in the file (34/18-byte blocks are only 2-byte
//      aligned, so 2-byte loads: many load instructions per byte). Kept for comparison.
//   v2 gemv_q8_0 / gemv_q4_0 (winners on paper): split layout (see convert.cu / QuantSplit), 16-byte loads of
//      the quantised values + one f16 scale load per 32 elements.
//   gemv_f16 / gemv_bf16: 8 elements per 16-byte load.
//   v4 gemv_<dtype>_v4_nb<NB> (NB <= 8; same parameters and launch as v1): each lane issues GEMV_V4_DEPTH 16-byte
//      weight loads before it uses any (v1: the compiler's unroll 2), with the streaming hint (__ldcs: weights are
//      read once, so they should not evict x from L1), and the Q8_0/Q4_0 block scale multiplies the block's dot
//      product once instead of every weight. On an H100 (gpu-check run 20261122-204015-128c10c, 8192x4096, batch 1)
//      v1 already streams F16 at 95% of copy bandwidth and v4 at 86%, but in the TinyLlama decoder, whose matrices
//      are 1-23 MB, v4 decodes F16 6% faster; for Q8_0 both sit near 47% and dp4a (v5) reaches 80%.
//   v5 gemv_q8_0_dp4a_nb<NB>, gemv3_q8_0_dp4a_nb<NB>, gemv_swiglu_q8_0_dp4a_nb<NB> (NB <= 8): Q8_0 weights against
//      activations quantised to Q8_0 by quantize_q8_f32 (as the CPU backend does), 4 __dp4a per 16-byte load: the
//      activations cost as many bytes as the weights (v1 reads 64 bytes of f32 x per 16 bytes of weights) and the
//      int8 -> float conversions disappear. Parameters: x becomes (xq int8 (nb, K), xd f32 (nb, K/32)).
// Requirements (checked on the host): K % 32 == 0; x and W 16-byte aligned.
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

struct FetchF16 {
    static constexpr int E = 8;
    const __half* w; long long K;
    __device__ FetchF16(const __half* w_, int K_) : w(w_), K(K_) {}
    template <bool STREAM = true>
    __device__ __forceinline__ Raw16 fetch(int r, int c) const { return Raw16{load16<STREAM>(w + (long long)r * K + c), 1.f}; }
    __device__ __forceinline__ void decode(const Raw16& raw, float* v) const {
        const __half2* h = reinterpret_cast<const __half2*>(&raw.u);
#pragma unroll
        for (int i = 0; i < 4; i++) { const float2 f = __half22float2(h[i]); v[2 * i] = f.x; v[2 * i + 1] = f.y; }
    }
};

struct FetchBF16 {
    static constexpr int E = 8;
    const __nv_bfloat16* w; long long K;
    __device__ FetchBF16(const __nv_bfloat16* w_, int K_) : w(w_), K(K_) {}
    template <bool STREAM = true>
    __device__ __forceinline__ Raw16 fetch(int r, int c) const { return Raw16{load16<STREAM>(w + (long long)r * K + c), 1.f}; }
    __device__ __forceinline__ void decode(const Raw16& raw, float* v) const {
        const uint32_t* p = reinterpret_cast<const uint32_t*>(&raw.u);
#pragma unroll
        for (int i = 0; i < 4; i++) {
            v[2 * i] = __uint_as_float(p[i] << 16);
            v[2 * i + 1] = __uint_as_float(p[i] & 0xffff0000u);
        }
    }
};

// Split-layout Q8_0: qs (rows, K) int8, d (rows, K/32) f16. 16 elements per load (half a block).
struct FetchQ8Split {
    static constexpr int E = 16;
    const int8_t* qs; const __half* d; long long K;
    __device__ FetchQ8Split(const int8_t* q_, const __half* d_, int K_) : qs(q_), d(d_), K(K_) {}
    template <bool STREAM = true>
    __device__ __forceinline__ Raw16 fetch(int r, int c) const {
        return Raw16{load16<STREAM>(qs + (long long)r * K + c), __half2float(d[(long long)r * (K / MINERVA_QK) + c / MINERVA_QK])};
    }
    __device__ __forceinline__ void decode(const Raw16& raw, float* v) const {
        const int8_t* q = reinterpret_cast<const int8_t*>(&raw.u);
#pragma unroll
        for (int i = 0; i < 16; i++) v[i] = (float)q[i];
    }
};

// Split-layout Q4_0: qs (rows, K/2) bytes (16 per block, ggml nibble order), d (rows, K/32) f16. One block per load.
struct FetchQ4Split {
    static constexpr int E = 32;
    const uint8_t* qs; const __half* d; long long K;
    __device__ FetchQ4Split(const uint8_t* q_, const __half* d_, int K_) : qs(q_), d(d_), K(K_) {}
    template <bool STREAM = true>
    __device__ __forceinline__ Raw16 fetch(int r, int c) const {
        return Raw16{load16<STREAM>(qs + (long long)r * (K / 2) + c / 2), __half2float(d[(long long)r * (K / MINERVA_QK) + c / MINERVA_QK])};
    }
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

// ggml layout Q8_0 (v1): blocks of 34 bytes, 2-byte aligned.
struct LoadQ8Aos {
    static constexpr int E = 32;
    const uint8_t* w; long long K;
    __device__ LoadQ8Aos(const uint8_t* w_, int K_) : w(w_), K(K_) {}
    __device__ __forceinline__ void load(int r, int c, float* v) const {
        const uint8_t* blk = w + ((long long)r * (K / MINERVA_QK) + c / MINERVA_QK) * MINERVA_Q8_0_BYTES;
        const float s = __half2float(*reinterpret_cast<const __half*>(blk));
        const uint16_t* p = reinterpret_cast<const uint16_t*>(blk + 2);
#pragma unroll
        for (int i = 0; i < 16; i++) {
            const uint16_t two = p[i];
            v[2 * i] = s * (float)(int8_t)(two & 0xff);
            v[2 * i + 1] = s * (float)(int8_t)(two >> 8);
        }
    }
};

// ggml layout Q4_0 (v1): blocks of 18 bytes, 2-byte aligned.
struct LoadQ4Aos {
    static constexpr int E = 32;
    const uint8_t* w; long long K;
    __device__ LoadQ4Aos(const uint8_t* w_, int K_) : w(w_), K(K_) {}
    __device__ __forceinline__ void load(int r, int c, float* v) const {
        const uint8_t* blk = w + ((long long)r * (K / MINERVA_QK) + c / MINERVA_QK) * MINERVA_Q4_0_BYTES;
        const float s = __half2float(*reinterpret_cast<const __half*>(blk));
        const uint16_t* p = reinterpret_cast<const uint16_t*>(blk + 2);
#pragma unroll
        for (int i = 0; i < 8; i++) {
            const uint16_t two = p[i];
            const int b0 = two & 0xff, b1 = two >> 8;
            v[2 * i] = s * (float)((b0 & 0x0F) - 8);
            v[2 * i + 1] = s * (float)((b1 & 0x0F) - 8);
            v[2 * i + 16] = s * (float)((b0 >> 4) - 8);
            v[2 * i + 17] = s * (float)((b1 >> 4) - 8);
        }
    }
};

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

// Rows of row-block `rblock` (one per warp) over the columns of split `split`; see the header for the shapes.
// v1 (V4 false): one 16-byte load per step, the compiler's unroll of 2. v4: GEMV_V4_DEPTH loads per lane in flight,
// then their products, the block scale once per product.
template <int NB, bool V4, class L>
__device__ __forceinline__ void gemv_rows(const L& ld, const float* __restrict__ x, float* __restrict__ y,
                                          int rows, int K, int nb, int k_split, int rblock, int split) {
    constexpr int STEP = 32 * L::E;
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const int r = rblock * GEMV_WARPS + warp;
    if (r >= rows) return;                       // whole warp exits together: no shuffles left behind
    const int k0 = split * k_split;
    const int k1 = min(K, k0 + k_split);
    float acc[NB];
#pragma unroll
    for (int b = 0; b < NB; b++) acc[b] = 0.f;
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
    gemv_store<NB>(acc, y, split, nb, rows, r);
}

template <int NB, class L>
__device__ __forceinline__ void gemv_body(const L& ld, const float* __restrict__ x, float* __restrict__ y,
                                          int rows, int K, int nb, int k_split) {
    gemv_rows<NB, false>(ld, x, y, rows, K, nb, k_split, blockIdx.x, blockIdx.y);
}

#define GEMV_ENTRY(NAME, NB, LOADER, INIT, ...)                                                             \
    extern "C" __global__ void __launch_bounds__(GEMV_WARPS * 32)                                           \
    NAME##_nb##NB(__VA_ARGS__, const float* __restrict__ x, float* __restrict__ y, int rows, int K, int nb, \
                  int k_split) {                                                                            \
        const LOADER ld INIT;                                                                               \
        gemv_body<NB>(ld, x, y, rows, K, nb, k_split);                                                      \
    }

#define GEMV_ALL_NB(NAME, LOADER, INIT, ...)          \
    GEMV_ENTRY(NAME, 1, LOADER, INIT, __VA_ARGS__)    \
    GEMV_ENTRY(NAME, 2, LOADER, INIT, __VA_ARGS__)    \
    GEMV_ENTRY(NAME, 4, LOADER, INIT, __VA_ARGS__)    \
    GEMV_ENTRY(NAME, 8, LOADER, INIT, __VA_ARGS__)    \
    GEMV_ENTRY(NAME, 16, LOADER, INIT, __VA_ARGS__)   \
    GEMV_ENTRY(NAME, 32, LOADER, INIT, __VA_ARGS__)

#define GEMV_V4_ENTRY(NAME, NB, LOADER, INIT, ...)                                                          \
    extern "C" __global__ void __launch_bounds__(GEMV_WARPS * 32)                                           \
    NAME##_v4_nb##NB(__VA_ARGS__, const float* __restrict__ x, float* __restrict__ y, int rows, int K, int nb, \
                     int k_split) {                                                                         \
        const LOADER ld INIT;                                                                               \
        gemv_rows<NB, true>(ld, x, y, rows, K, nb, k_split, blockIdx.x, blockIdx.y);                        \
    }

#define GEMV_V4_ALL_NB(NAME, LOADER, INIT, ...)          \
    GEMV_V4_ENTRY(NAME, 1, LOADER, INIT, __VA_ARGS__)    \
    GEMV_V4_ENTRY(NAME, 2, LOADER, INIT, __VA_ARGS__)    \
    GEMV_V4_ENTRY(NAME, 4, LOADER, INIT, __VA_ARGS__)    \
    GEMV_V4_ENTRY(NAME, 8, LOADER, INIT, __VA_ARGS__)

GEMV_V4_ALL_NB(gemv_f16, FetchF16, (w, K), const __half* __restrict__ w)
GEMV_V4_ALL_NB(gemv_bf16, FetchBF16, (w, K), const __nv_bfloat16* __restrict__ w)
GEMV_V4_ALL_NB(gemv_q8_0, FetchQ8Split, (qs, d, K), const int8_t* __restrict__ qs, const __half* __restrict__ d)
GEMV_V4_ALL_NB(gemv_q4_0, FetchQ4Split, (qs, d, K), const uint8_t* __restrict__ qs, const __half* __restrict__ d)

GEMV_ALL_NB(gemv_f16, LoadF16, (w, K), const __half* __restrict__ w)
GEMV_ALL_NB(gemv_bf16, LoadBF16, (w, K), const __nv_bfloat16* __restrict__ w)
GEMV_ALL_NB(gemv_q8_0, LoadQ8Split, (qs, d, K), const int8_t* __restrict__ qs, const __half* __restrict__ d)
GEMV_ALL_NB(gemv_q4_0, LoadQ4Split, (qs, d, K), const uint8_t* __restrict__ qs, const __half* __restrict__ d)
GEMV_ALL_NB(gemv_q8_0_aos, LoadQ8Aos, (w, K), const uint8_t* __restrict__ w)
GEMV_ALL_NB(gemv_q4_0_aos, LoadQ4Aos, (w, K), const uint8_t* __restrict__ w)

// ---- fused decode GEMVs (v3, CudaDecoder's fused step; batch 1..8, K % 32 == 0, no split-K), each also in a v4
//      version built on gemv_rows<NB, true>'s loads (gemv3_<dtype>_v4_nb<NB>, gemv_swiglu_<dtype>_v4_nb<NB>)
// gemv3_<dtype>_nb<NB>: three matrices against the same x in one launch (wq, wk, wv): blocks [0, b0) take matrix 0,
//   the next b1 matrix 1, the rest matrix 2 (b_i = ceil(rows_i / 4)); grid = b0 + b1 + b2, block 128. wk and wv
//   alone are too few rows to fill the GPU (they took split-K plus a reduce each); together with wq they need not.
template <int NB, bool V4, class L>
__device__ __forceinline__ void gemv3_body(const L& l0, const L& l1, const L& l2, const float* __restrict__ x,
                                           float* __restrict__ y0, float* __restrict__ y1, float* __restrict__ y2,
                                           int rows0, int rows1, int rows2, int K, int nb) {
    const int b0 = (rows0 + GEMV_WARPS - 1) / GEMV_WARPS, b1 = (rows1 + GEMV_WARPS - 1) / GEMV_WARPS;
    const int b = blockIdx.x;
    if (b < b0) gemv_rows<NB, V4>(l0, x, y0, rows0, K, nb, K, b, 0);
    else if (b < b0 + b1) gemv_rows<NB, V4>(l1, x, y1, rows1, K, nb, K, b - b0, 0);
    else gemv_rows<NB, V4>(l2, x, y2, rows2, K, nb, K, b - b0 - b1, 0);
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

// gemv_swiglu_<dtype>_nb<NB>: h[b][r] = silu(w1[r] . x[b]) * (w3[r] . x[b]), one warp per row r of both matrices
//   (x read once for the two), so w3's launch and silu_mul_f32's disappear. grid = ceil(rows / 4), block 128.
// v1 (V4 false): one load of each matrix per step. v4: the two matrices' loads for GEMV_V4_DEPTH / 2 steps in flight
// at once, as gemv_rows<NB, true>.
template <int NB, bool V4, class L>
__device__ __forceinline__ void gemv_swiglu_body(const L& lg, const L& lu, const float* __restrict__ x,
                                                 float* __restrict__ h, int rows, int K, int nb) {
    constexpr int STEP = 32 * L::E;
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const int r = blockIdx.x * GEMV_WARPS + warp;
    if (r >= rows) return;
    float ag[NB], au[NB];
#pragma unroll
    for (int b = 0; b < NB; b++) { ag[b] = 0.f; au[b] = 0.f; }
    if constexpr (V4) {
        constexpr int U = GEMV_V4_DEPTH / 2;
        for (int c0 = lane * L::E; c0 < K; c0 += U * STEP) {
            Raw16 rg[U], ru[U];
#pragma unroll
            for (int u = 0; u < U; u++)
                if (c0 + u * STEP < K) { rg[u] = lg.fetch(r, c0 + u * STEP); ru[u] = lu.fetch(r, c0 + u * STEP); }
#pragma unroll
            for (int u = 0; u < U; u++) {
                const int c = c0 + u * STEP;
                if (c >= K) break;
                float wg[L::E], wu[L::E];
                lg.decode(rg[u], wg);
                lu.decode(ru[u], wu);
                swiglu_accumulate<NB, L::E>(wg, wu, rg[u].s, ru[u].s, x, K, c, nb, ag, au);
            }
        }
    } else {
        for (int c = lane * L::E; c < K; c += STEP) {
            float wg[L::E], wu[L::E];
            lg.load(r, c, wg);
            lu.load(r, c, wu);
            swiglu_accumulate<NB, L::E>(wg, wu, 1.f, 1.f, x, K, c, nb, ag, au);
        }
    }
    swiglu_store<NB>(ag, au, h, rows, r, nb);
}

// P0..P2: each matrix's parameters in parentheses (a quantised matrix has two: values and scales)
#define GEMV_UNPAREN(...) __VA_ARGS__
// V: "" (v1 bodies, LOADER) or _v4 (v4 bodies, FETCHER); the v4 entries are gemv3_<dtype>_v4_nb<NB> and so on.
#define GEMV_FUSED_ENTRIES(DT, V, IS_V4, NB, LOADER, I0, I1, I2, P0, P1, P2)                                        \
    extern "C" __global__ void __launch_bounds__(GEMV_WARPS * 32)                                                  \
    gemv3_##DT##V##_nb##NB(GEMV_UNPAREN P0, GEMV_UNPAREN P1, GEMV_UNPAREN P2, const float* __restrict__ x, float* __restrict__ y0, float* __restrict__ y1,    \
                        float* __restrict__ y2, int rows0, int rows1, int rows2, int K, int nb) {                  \
        const LOADER l0 I0, l1 I1, l2 I2;                                                                          \
        gemv3_body<NB, IS_V4>(l0, l1, l2, x, y0, y1, y2, rows0, rows1, rows2, K, nb);                              \
    }                                                                                                              \
    extern "C" __global__ void __launch_bounds__(GEMV_WARPS * 32)                                                  \
    gemv_swiglu_##DT##V##_nb##NB(GEMV_UNPAREN P0, GEMV_UNPAREN P1, const float* __restrict__ x, float* __restrict__ h, int rows, int K, int nb) { \
        const LOADER lg I0, lu I1;                                                                                 \
        gemv_swiglu_body<NB, IS_V4>(lg, lu, x, h, rows, K, nb);                                                    \
    }

#define GEMV_FUSED_ALL_NB(DT, V, IS_V4, LOADER, I0, I1, I2, P0, P1, P2)    \
    GEMV_FUSED_ENTRIES(DT, V, IS_V4, 1, LOADER, I0, I1, I2, P0, P1, P2)    \
    GEMV_FUSED_ENTRIES(DT, V, IS_V4, 2, LOADER, I0, I1, I2, P0, P1, P2)    \
    GEMV_FUSED_ENTRIES(DT, V, IS_V4, 4, LOADER, I0, I1, I2, P0, P1, P2)    \
    GEMV_FUSED_ENTRIES(DT, V, IS_V4, 8, LOADER, I0, I1, I2, P0, P1, P2)

#define GEMV_FUSED_BOTH(DT, LOADER, FETCHER, P0, P1, P2, I0, I1, I2)                 \
    GEMV_FUSED_ALL_NB(DT, , false, LOADER, I0, I1, I2, P0, P1, P2)                  \
    GEMV_FUSED_ALL_NB(DT, _v4, true, FETCHER, I0, I1, I2, P0, P1, P2)

GEMV_FUSED_BOTH(f16, LoadF16, FetchF16,
                (const __half* __restrict__ w0), (const __half* __restrict__ w1), (const __half* __restrict__ w2),
                (w0, K), (w1, K), (w2, K))
GEMV_FUSED_BOTH(bf16, LoadBF16, FetchBF16,
                (const __nv_bfloat16* __restrict__ w0), (const __nv_bfloat16* __restrict__ w1),
                (const __nv_bfloat16* __restrict__ w2), (w0, K), (w1, K), (w2, K))
GEMV_FUSED_BOTH(q8_0, LoadQ8Split, FetchQ8Split,
                (const int8_t* __restrict__ qs0, const __half* __restrict__ d0),
                (const int8_t* __restrict__ qs1, const __half* __restrict__ d1),
                (const int8_t* __restrict__ qs2, const __half* __restrict__ d2), (qs0, d0, K), (qs1, d1, K), (qs2, d2, K))
GEMV_FUSED_BOTH(q4_0, LoadQ4Split, FetchQ4Split,
                (const uint8_t* __restrict__ qs0, const __half* __restrict__ d0),
                (const uint8_t* __restrict__ qs1, const __half* __restrict__ d1),
                (const uint8_t* __restrict__ qs2, const __half* __restrict__ d2), (qs0, d0, K), (qs1, d1, K), (qs2, d2, K))

// ---- v5: Q8_0 x Q8_0 with __dp4a
// quantize_q8_f32: x (n_blocks * 32) f32 -> xq int8 and xd (n_blocks) f32, as Q8_0Codec.quantize's activation path:
//   d = max|x| / 127, q = round half away from zero (x * (1/d)), xd = d rounded to f16 (the scale a Q8_0 block holds).
//   One warp per block of 32; grid-stride over blocks. Launch: block 128, grid ceil(n_blocks / 4) (capped).
extern "C" __global__ void quantize_q8_f32(const float* __restrict__ x, int8_t* __restrict__ xq, float* __restrict__ xd,
                                           long long n_blocks) {
    const int lane = threadIdx.x & 31;
    const long long step = (long long)gridDim.x * (blockDim.x >> 5);
    for (long long blk = (long long)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5); blk < n_blocks; blk += step) {
        const float v = x[blk * 32 + lane];
        const float d = warp_max(fabsf(v)) / 127.f;
        const float id = d != 0.f ? 1.f / d : 0.f;
        xq[blk * 32 + lane] = (int8_t)(int)roundf(v * id);
        if (lane == 0) xd[blk] = __half2float(__float2half_rn(d));
    }
}

// acc[b] += row r of (qs, d) . row b of (xq, xd) over columns [k0, k1): a lane takes 16 values (half a block) per
// load, GEMV_V4_DEPTH loads in flight; per half block the int32 dot times both scales.
template <int NB>
__device__ __forceinline__ void q8_dp4a_row(const int8_t* __restrict__ qs, const __half* __restrict__ d,
                                            const int8_t* __restrict__ xq, const float* __restrict__ xd,
                                            int r, int K, int nb, int k0, int k1, float (&acc)[NB]) {
    constexpr int E = 16, STEP = 32 * E, U = GEMV_V4_DEPTH;
    const int lane = threadIdx.x & 31;
    const int kb = K / MINERVA_QK;
    for (int c0 = k0 + lane * E; c0 < k1; c0 += U * STEP) {
        uint4 wq[U];
        float wd[U];
#pragma unroll
        for (int u = 0; u < U; u++) {
            const int c = c0 + u * STEP;
            if (c < k1) {
                wq[u] = __ldcs(reinterpret_cast<const uint4*>(qs + (long long)r * K + c));
                wd[u] = __half2float(d[(long long)r * kb + c / MINERVA_QK]);
            }
        }
#pragma unroll
        for (int u = 0; u < U; u++) {
            const int c = c0 + u * STEP;
            if (c >= k1) break;
#pragma unroll
            for (int b = 0; b < NB; b++) {
                if (b < nb) {
                    const uint4 xv = *reinterpret_cast<const uint4*>(xq + (long long)b * K + c);
                    int s = __dp4a((int)wq[u].x, (int)xv.x, 0);
                    s = __dp4a((int)wq[u].y, (int)xv.y, s);
                    s = __dp4a((int)wq[u].z, (int)xv.z, s);
                    s = __dp4a((int)wq[u].w, (int)xv.w, s);
                    acc[b] += (float)s * (wd[u] * xd[(long long)b * kb + c / MINERVA_QK]);
                }
            }
        }
    }
}

// The v1 GEMV contract (split-K over gridDim.y, one warp per row, y (splits, nb, rows)) with Q8_0 activations.
template <int NB>
__device__ __forceinline__ void gemv_q8_dp4a_rows(const int8_t* __restrict__ qs, const __half* __restrict__ d,
                                                  const int8_t* __restrict__ xq, const float* __restrict__ xd,
                                                  float* __restrict__ y, int rows, int K, int nb, int k_split,
                                                  int rblock, int split) {
    const int r = rblock * GEMV_WARPS + (threadIdx.x >> 5);
    if (r >= rows) return;                       // whole warp exits together: no shuffles left behind
    float acc[NB];
#pragma unroll
    for (int b = 0; b < NB; b++) acc[b] = 0.f;
    const int k0 = split * k_split;
    q8_dp4a_row<NB>(qs, d, xq, xd, r, K, nb, k0, min(K, k0 + k_split), acc);
    gemv_store<NB>(acc, y, split, nb, rows, r);
}

#define GEMV_DP4A_ENTRIES(NB)                                                                                           \
    extern "C" __global__ void __launch_bounds__(GEMV_WARPS * 32)                                                       \
    gemv_q8_0_dp4a_nb##NB(const int8_t* __restrict__ qs, const __half* __restrict__ d, const int8_t* __restrict__ xq,   \
                          const float* __restrict__ xd, float* __restrict__ y, int rows, int K, int nb, int k_split) {  \
        gemv_q8_dp4a_rows<NB>(qs, d, xq, xd, y, rows, K, nb, k_split, blockIdx.x, blockIdx.y);                          \
    }                                                                                                                   \
    extern "C" __global__ void __launch_bounds__(GEMV_WARPS * 32)                                                       \
    gemv3_q8_0_dp4a_nb##NB(const int8_t* __restrict__ qs0, const __half* __restrict__ d0,                               \
                           const int8_t* __restrict__ qs1, const __half* __restrict__ d1,                               \
                           const int8_t* __restrict__ qs2, const __half* __restrict__ d2,                               \
                           const int8_t* __restrict__ xq, const float* __restrict__ xd, float* __restrict__ y0,         \
                           float* __restrict__ y1, float* __restrict__ y2, int rows0, int rows1, int rows2, int K,      \
                           int nb) {                                                                                    \
        const int b0 = (rows0 + GEMV_WARPS - 1) / GEMV_WARPS, b1 = (rows1 + GEMV_WARPS - 1) / GEMV_WARPS;               \
        const int b = blockIdx.x;                                                                                       \
        if (b < b0) gemv_q8_dp4a_rows<NB>(qs0, d0, xq, xd, y0, rows0, K, nb, K, b, 0);                                  \
        else if (b < b0 + b1) gemv_q8_dp4a_rows<NB>(qs1, d1, xq, xd, y1, rows1, K, nb, K, b - b0, 0);                   \
        else gemv_q8_dp4a_rows<NB>(qs2, d2, xq, xd, y2, rows2, K, nb, K, b - b0 - b1, 0);                               \
    }                                                                                                                   \
    extern "C" __global__ void __launch_bounds__(GEMV_WARPS * 32)                                                       \
    gemv_swiglu_q8_0_dp4a_nb##NB(const int8_t* __restrict__ qsg, const __half* __restrict__ dg,                         \
                                 const int8_t* __restrict__ qsu, const __half* __restrict__ du,                         \
                                 const int8_t* __restrict__ xq, const float* __restrict__ xd, float* __restrict__ h,    \
                                 int rows, int K, int nb) {                                                             \
        const int r = blockIdx.x * GEMV_WARPS + (threadIdx.x >> 5);                                                     \
        if (r >= rows) return;                                                                                          \
        float ag[NB], au[NB];                                                                                           \
        for (int b = 0; b < NB; b++) { ag[b] = 0.f; au[b] = 0.f; }                                                      \
        q8_dp4a_row<NB>(qsg, dg, xq, xd, r, K, nb, 0, K, ag);                                                           \
        q8_dp4a_row<NB>(qsu, du, xq, xd, r, K, nb, 0, K, au);                                                           \
        swiglu_store<NB>(ag, au, h, rows, r, nb);                                                                       \
    }

GEMV_DP4A_ENTRIES(1)
GEMV_DP4A_ENTRIES(2)
GEMV_DP4A_ENTRIES(4)
GEMV_DP4A_ENTRIES(8)

// y[i] = sum_s partial[s * n + i], s = 0..splits-1 in order. Launch: grid-stride, block = 256.
extern "C" __global__ void splitk_reduce_f32(const float* __restrict__ partial, float* __restrict__ y, int splits,
                                             long long n) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        float s = 0.f;
        for (int k = 0; k < splits; k++) s += partial[(long long)k * n + i];
        y[i] = s;
    }
}

// Plain f32 weights (tests, small models): float4 loads, nb <= 8 per call.
struct LoadF32 {
    static constexpr int E = 4;
    const float* w; long long K;
    __device__ LoadF32(const float* w_, int K_) : w(w_), K(K_) {}
    __device__ __forceinline__ void load(int r, int c, float* v) const {
        const float4 u = *reinterpret_cast<const float4*>(w + (long long)r * K + c);
        v[0] = u.x; v[1] = u.y; v[2] = u.z; v[3] = u.w;
    }
};

extern "C" __global__ void __launch_bounds__(GEMV_WARPS * 32)
gemv_f32(const float* __restrict__ w, const float* __restrict__ x, float* __restrict__ y, int rows, int K, int nb,
         int k_split) {
    const LoadF32 ld(w, K);
    gemv_body<8>(ld, x, y, rows, K, nb, k_split);
}

// Any K, any alignment (e.g. stories260K's hidden 172 in f16): warp per row, scalar loads. Correctness path only.
template <typename T>
__device__ __forceinline__ float to_f32(T v);
template <> __device__ __forceinline__ float to_f32<__half>(__half v) { return __half2float(v); }
template <> __device__ __forceinline__ float to_f32<__nv_bfloat16>(__nv_bfloat16 v) { return __bfloat162float(v); }
template <> __device__ __forceinline__ float to_f32<float>(float v) { return v; }

template <typename T>
__device__ __forceinline__ void gemv_generic_body(const T* __restrict__ w, const float* __restrict__ x,
                                                  float* __restrict__ y, int rows, int K, int nb) {
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const int r = blockIdx.x * GEMV_WARPS + warp;
    if (r >= rows) return;
    for (int b = 0; b < nb; b++) {
        float s = 0.f;
        for (int c = lane; c < K; c += 32) s += to_f32<T>(w[(long long)r * K + c]) * x[(long long)b * K + c];
        s = warp_sum(s);
        if (lane == 0) y[(long long)b * rows + r] = s;
    }
}

extern "C" __global__ void __launch_bounds__(GEMV_WARPS * 32)
gemv_f16_generic(const __half* __restrict__ w, const float* __restrict__ x, float* __restrict__ y, int rows, int K, int nb) {
    gemv_generic_body<__half>(w, x, y, rows, K, nb);
}
extern "C" __global__ void __launch_bounds__(GEMV_WARPS * 32)
gemv_bf16_generic(const __nv_bfloat16* __restrict__ w, const float* __restrict__ x, float* __restrict__ y, int rows, int K, int nb) {
    gemv_generic_body<__nv_bfloat16>(w, x, y, rows, K, nb);
}
extern "C" __global__ void __launch_bounds__(GEMV_WARPS * 32)
gemv_f32_generic(const float* __restrict__ w, const float* __restrict__ x, float* __restrict__ y, int rows, int K, int nb) {
    gemv_generic_body<float>(w, x, y, rows, K, nb);
}
