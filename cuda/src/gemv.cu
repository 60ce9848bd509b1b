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
//      Q4_0 too: gemv{,3,_swiglu}_q4_0_dp4a_nb<NB>, each nibble n turned into the int8 n - 8, 8 __dp4a per 16-byte
//      load (one block): v1 reads 128 bytes of f32 x per 16 bytes of Q4_0 weights. Not yet run on a GPU.
// Requirements (checked on the host): K % 32 == 0; x and W 16-byte aligned.
// The loaders, per-lane products and row loops live in gemv.cuh: layer.cu's fused decode kernels run the same ones.
#include "gemv.cuh"

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

// Rows of row-block `rblock` (one per warp) over the columns of split `split`; see the header for the shapes.
template <int NB, bool V4, class L>
__device__ __forceinline__ void gemv_rows(const L& ld, const float* __restrict__ x, float* __restrict__ y,
                                          int rows, int K, int nb, int k_split, int rblock, int split) {
    const int r = rblock * GEMV_WARPS + (threadIdx.x >> 5);
    if (r >= rows) return;                       // whole warp exits together: no shuffles left behind
    const int k0 = split * k_split;
    float acc[NB];
#pragma unroll
    for (int b = 0; b < NB; b++) acc[b] = 0.f;
    gemv_row_acc<NB, V4>(ld, x, K, nb, r, k0, min(K, k0 + k_split), acc);
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

// gemv_swiglu_<dtype>_nb<NB>: h[b][r] = silu(w1[r] . x[b]) * (w3[r] . x[b]), one warp per row r of both matrices
//   (x read once for the two), so w3's launch and silu_mul_f32's disappear. grid = ceil(rows / 4), block 128.
template <int NB, bool V4, class L>
__device__ __forceinline__ void gemv_swiglu_body(const L& lg, const L& lu, const float* __restrict__ x,
                                                 float* __restrict__ h, int rows, int K, int nb) {
    const int r = blockIdx.x * GEMV_WARPS + (threadIdx.x >> 5);
    if (r >= rows) return;
    float ag[NB], au[NB];
#pragma unroll
    for (int b = 0; b < NB; b++) { ag[b] = 0.f; au[b] = 0.f; }
    gemv_pair_acc<NB, V4>(lg, lu, r, r, x, K, nb, ag, au);
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
        float d;
        xq[blk * 32 + lane] = quantize_q8_lane(x[blk * 32 + lane], &d);
        if (lane == 0) xd[blk] = d;
    }
}

// The v1 GEMV contract (split-K over gridDim.y, one warp per row, y (splits, nb, rows)) with Q8_0 activations; QT is
// the weights' value type (int8_t: Q8_0, uint8_t: Q4_0), which picks gemv.cuh's dp4a_row.
template <int NB, class QT>
__device__ __forceinline__ void gemv_dp4a_rows(const QT* __restrict__ qs, const __half* __restrict__ d,
                                               const int8_t* __restrict__ xq, const float* __restrict__ xd,
                                               float* __restrict__ y, int rows, int K, int nb, int k_split,
                                               int rblock, int split) {
    const int r = rblock * GEMV_WARPS + (threadIdx.x >> 5);
    if (r >= rows) return;                       // whole warp exits together: no shuffles left behind
    float acc[NB];
#pragma unroll
    for (int b = 0; b < NB; b++) acc[b] = 0.f;
    const int k0 = split * k_split;
    dp4a_row<NB>(qs, d, xq, xd, r, K, nb, k0, min(K, k0 + k_split), acc);
    gemv_store<NB>(acc, y, split, nb, rows, r);
}

#define GEMV_DP4A_ENTRIES(DT, QT, NB)                                                                                   \
    extern "C" __global__ void __launch_bounds__(GEMV_WARPS * 32)                                                       \
    gemv_##DT##_dp4a_nb##NB(const QT* __restrict__ qs, const __half* __restrict__ d, const int8_t* __restrict__ xq,     \
                            const float* __restrict__ xd, float* __restrict__ y, int rows, int K, int nb, int k_split) {\
        gemv_dp4a_rows<NB>(qs, d, xq, xd, y, rows, K, nb, k_split, blockIdx.x, blockIdx.y);                             \
    }                                                                                                                   \
    extern "C" __global__ void __launch_bounds__(GEMV_WARPS * 32)                                                       \
    gemv3_##DT##_dp4a_nb##NB(const QT* __restrict__ qs0, const __half* __restrict__ d0,                                 \
                             const QT* __restrict__ qs1, const __half* __restrict__ d1,                                 \
                             const QT* __restrict__ qs2, const __half* __restrict__ d2,                                 \
                             const int8_t* __restrict__ xq, const float* __restrict__ xd, float* __restrict__ y0,       \
                             float* __restrict__ y1, float* __restrict__ y2, int rows0, int rows1, int rows2, int K,    \
                             int nb) {                                                                                  \
        const int b0 = (rows0 + GEMV_WARPS - 1) / GEMV_WARPS, b1 = (rows1 + GEMV_WARPS - 1) / GEMV_WARPS;               \
        const int b = blockIdx.x;                                                                                       \
        if (b < b0) gemv_dp4a_rows<NB>(qs0, d0, xq, xd, y0, rows0, K, nb, K, b, 0);                                     \
        else if (b < b0 + b1) gemv_dp4a_rows<NB>(qs1, d1, xq, xd, y1, rows1, K, nb, K, b - b0, 0);                      \
        else gemv_dp4a_rows<NB>(qs2, d2, xq, xd, y2, rows2, K, nb, K, b - b0 - b1, 0);                                  \
    }                                                                                                                   \
    extern "C" __global__ void __launch_bounds__(GEMV_WARPS * 32)                                                       \
    gemv_swiglu_##DT##_dp4a_nb##NB(const QT* __restrict__ qsg, const __half* __restrict__ dg,                           \
                                   const QT* __restrict__ qsu, const __half* __restrict__ du,                           \
                                   const int8_t* __restrict__ xq, const float* __restrict__ xd, float* __restrict__ h,  \
                                   int rows, int K, int nb) {                                                           \
        const int r = blockIdx.x * GEMV_WARPS + (threadIdx.x >> 5);                                                     \
        if (r >= rows) return;                                                                                          \
        float ag[NB], au[NB];                                                                                           \
        for (int b = 0; b < NB; b++) { ag[b] = 0.f; au[b] = 0.f; }                                                      \
        dp4a_row<NB>(qsg, dg, xq, xd, r, K, nb, 0, K, ag);                                                              \
        dp4a_row<NB>(qsu, du, xq, xd, r, K, nb, 0, K, au);                                                              \
        swiglu_store<NB>(ag, au, h, rows, r, nb);                                                                       \
    }

#define GEMV_DP4A_ALL_NB(DT, QT) \
    GEMV_DP4A_ENTRIES(DT, QT, 1) \
    GEMV_DP4A_ENTRIES(DT, QT, 2) \
    GEMV_DP4A_ENTRIES(DT, QT, 4) \
    GEMV_DP4A_ENTRIES(DT, QT, 8)

GEMV_DP4A_ALL_NB(q8_0, int8_t)
GEMV_DP4A_ALL_NB(q4_0, uint8_t)

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
