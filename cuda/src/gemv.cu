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
// Requirements (checked on the host): K % 32 == 0; x and W 16-byte aligned.
#include "common.cuh"

#define GEMV_WARPS 4

struct LoadF16 {
    static constexpr int E = 8;
    const __half* w; long long K;
    __device__ LoadF16(const __half* w_, int K_) : w(w_), K(K_) {}
    __device__ __forceinline__ void load(int r, int c, float* v) const {
        const uint4 u = *reinterpret_cast<const uint4*>(w + (long long)r * K + c);
        const __half2* h = reinterpret_cast<const __half2*>(&u);
#pragma unroll
        for (int i = 0; i < 4; i++) { const float2 f = __half22float2(h[i]); v[2 * i] = f.x; v[2 * i + 1] = f.y; }
    }
};

struct LoadBF16 {
    static constexpr int E = 8;
    const __nv_bfloat16* w; long long K;
    __device__ LoadBF16(const __nv_bfloat16* w_, int K_) : w(w_), K(K_) {}
    __device__ __forceinline__ void load(int r, int c, float* v) const {
        const uint4 u = *reinterpret_cast<const uint4*>(w + (long long)r * K + c);
        const uint32_t* p = reinterpret_cast<const uint32_t*>(&u);
#pragma unroll
        for (int i = 0; i < 4; i++) {   // bf16 -> f32 is a 16-bit shift
            v[2 * i] = __uint_as_float(p[i] << 16);
            v[2 * i + 1] = __uint_as_float(p[i] & 0xffff0000u);
        }
    }
};

// Split-layout Q8_0: qs (rows, K) int8, d (rows, K/32) f16. 16 elements per load (half a block).
struct LoadQ8Split {
    static constexpr int E = 16;
    const int8_t* qs; const __half* d; long long K;
    __device__ LoadQ8Split(const int8_t* q_, const __half* d_, int K_) : qs(q_), d(d_), K(K_) {}
    __device__ __forceinline__ void load(int r, int c, float* v) const {
        const uint4 u = *reinterpret_cast<const uint4*>(qs + (long long)r * K + c);
        const float s = __half2float(d[(long long)r * (K / MINERVA_QK) + c / MINERVA_QK]);
        const int8_t* q = reinterpret_cast<const int8_t*>(&u);
#pragma unroll
        for (int i = 0; i < 16; i++) v[i] = s * (float)q[i];
    }
};

// Split-layout Q4_0: qs (rows, K/2) bytes (16 per block, ggml nibble order), d (rows, K/32) f16. One block per load.
struct LoadQ4Split {
    static constexpr int E = 32;
    const uint8_t* qs; const __half* d; long long K;
    __device__ LoadQ4Split(const uint8_t* q_, const __half* d_, int K_) : qs(q_), d(d_), K(K_) {}
    __device__ __forceinline__ void load(int r, int c, float* v) const {
        const uint4 u = *reinterpret_cast<const uint4*>(qs + (long long)r * (K / 2) + c / 2);
        const float s = __half2float(d[(long long)r * (K / MINERVA_QK) + c / MINERVA_QK]);
        const uint8_t* b = reinterpret_cast<const uint8_t*>(&u);
#pragma unroll
        for (int i = 0; i < 16; i++) {
            v[i] = s * (float)((int)(b[i] & 0x0F) - 8);
            v[i + 16] = s * (float)((int)(b[i] >> 4) - 8);
        }
    }
};

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

template <int NB, class L>
__device__ __forceinline__ void gemv_body(const L& ld, const float* __restrict__ x, float* __restrict__ y,
                                          int rows, int K, int nb, int k_split) {
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const int r = blockIdx.x * GEMV_WARPS + warp;
    if (r >= rows) return;                       // whole warp exits together: no shuffles left behind
    const int k0 = blockIdx.y * k_split;
    const int k1 = min(K, k0 + k_split);
    float acc[NB];
#pragma unroll
    for (int b = 0; b < NB; b++) acc[b] = 0.f;
#pragma unroll 2
    for (int c = k0 + lane * L::E; c < k1; c += 32 * L::E) {
        float w[L::E];
        ld.load(r, c, w);
#pragma unroll
        for (int b = 0; b < NB; b++) {
            if (b < nb) {
                const float4* xb = reinterpret_cast<const float4*>(x + (long long)b * K + c);
                float s = 0.f;
#pragma unroll
                for (int e = 0; e < L::E / 4; e++) {
                    const float4 xv = xb[e];
                    s += w[4 * e] * xv.x + w[4 * e + 1] * xv.y + w[4 * e + 2] * xv.z + w[4 * e + 3] * xv.w;
                }
                acc[b] += s;
            }
        }
    }
    float* ys = y + (long long)blockIdx.y * nb * rows;
#pragma unroll
    for (int b = 0; b < NB; b++) {
        if (b < nb) {
            const float v = warp_sum(acc[b]);
            if (lane == 0) ys[(long long)b * rows + r] = v;
        }
    }
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

GEMV_ALL_NB(gemv_f16, LoadF16, (w, K), const __half* __restrict__ w)
GEMV_ALL_NB(gemv_bf16, LoadBF16, (w, K), const __nv_bfloat16* __restrict__ w)
GEMV_ALL_NB(gemv_q8_0, LoadQ8Split, (qs, d, K), const int8_t* __restrict__ qs, const __half* __restrict__ d)
GEMV_ALL_NB(gemv_q4_0, LoadQ4Split, (qs, d, K), const uint8_t* __restrict__ qs, const __half* __restrict__ d)
GEMV_ALL_NB(gemv_q8_0_aos, LoadQ8Aos, (w, K), const uint8_t* __restrict__ w)
GEMV_ALL_NB(gemv_q4_0_aos, LoadQ4Aos, (w, K), const uint8_t* __restrict__ w)

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
