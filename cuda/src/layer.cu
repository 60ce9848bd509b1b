// layer.cu — CudaDecoder's lean step (v3): a Llama layer at batch <= 8 in 5 launches instead of the fused step's 9,
// by folding the small ops into the GEMVs around them. The GEMV row loops and loaders are gemv.cuh's, unchanged; what
// is new here is the prologue that stages the activations and the epilogues:
//   qkv_rope_<dt>_nb<NB>     prologue rmsnorm(x) * g; wq, wk, wv rows; epilogue RoPE on q and k, k and v written
//                            straight into the KV cache at (slot, pos). Replaces add_rmsnorm_f32 (or rmsnorm_f32),
//                            gemv3 and rope_freq_kv_append_f32.
//   residual_<dt>_nb<NB>     y += W . x: wo and w2 add into the residual stream (the add of add_rmsnorm_f32).
//   swiglu_norm_<dt>_nb<NB>  prologue rmsnorm(x) * g, then gemv_swiglu's silu(w1 . x) * (w3 . x).
//   norm_gemv_<dt>_nb<NB>    prologue rmsnorm(x) * g, then a plain GEMV (final norm + classifier).
//   (attention.cu's attn_decode_f32, split-KV attention whose last block per head merges, is the fifth launch.)
// dt: f16 and bf16 run gemv.cuh's v4 row loops on f32 activations; q8_0 and q4_0 run v5 (__dp4a against activations
// quantised to Q8_0 by the prologue exactly as quantize_q8_f32 does, so that launch disappears too).
//
// Prologue: every block first writes its activations to dynamic shared memory (read once per block, as the plain GEMVs
// read x once per block into L1):
//   f16/bf16, norm:   xs (nb, K) f32 = rmsnorm rows of x times g: the values rmsnorm_f32 writes when launched with
//                     128 threads (same reduction order; rmsnorm.cuh).          smem nb*K*4 bytes
//   q8_0, q4_0:       those values (or x itself for residual_) quantised: xq (nb, K) int8, then xd (nb, K/32) f32.
//                                                                               smem nb*K + nb*K/8 bytes
//   f16/bf16, residual_: no staging (x read from global, as gemv.cu does).    smem 0
// Rows: a warp per row (residual_, norm_gemv_: 4 rows per row-block), per row of w1 and w3 (swiglu_norm_), or per pair of
// rows 2p, 2p+1 of one matrix (qkv_rope_: 8 rows per row-block, so a RoPE pair's two dot products meet in one warp's
// registers; row-blocks [0, n0) are wq's, then n1 of wk, then wv's; n_i = ceil(rows_i / 8)). Block b takes row-blocks
// b, b + gridDim.x, ...: the host may launch fewer blocks than row-blocks, so fewer blocks pay the prologue
// (-Dminerva.cuda.layerBlocksPerSm). Block 128 threads.
// Requirements (checked on the host): K % 32 == 0; rows of wq, wk, wv even; nb <= 8; x and W 16-byte aligned.
// Every entry starts with pdl_wait() (common.cuh), so the host may launch them as programmatic dependent launches
// (-Dminerva.cuda.pdl=true): nothing an earlier kernel writes is read before it.
// prefetch != 0 (-Dminerva.cuda.layerPrefetch=true): before pdl_wait(), each block asks L2 for the weight rows it will
// read (prefetch_l2; weights are no earlier kernel's output), so that under PDL their reads start while the kernel
// before is still finishing, instead of after it. A hint only: the results are the same either way.
// Reference: cuda/emu/test_layer.cpp checks each entry against float64 (q8_0/q4_0: times the Q8_0 rounding of the values
// rmsnorm_f32 writes); gpu-check against float64 and, composed into the lean step, against the CPU engine's logits.
#include "gemv.cuh"
#include "rmsnorm.cuh"
#include "rope.cuh"

// ---- activations: staged in shared memory (or global), and how a warp forms dot products against them

// f32 activations (nb, K) for the v4 row loops.
struct ActF32 {
    const float* x;
    // NORM: xs = rmsnorm(x[b]) * g in shared memory; else x as it is, in global memory. Ends with a barrier.
    template <bool NORM>
    __device__ static ActF32 stage(const float* __restrict__ x, const float* __restrict__ g, float eps, int K, int nb,
                                   void* smem) {
        if constexpr (!NORM) {
            return ActF32{x};
        } else {
            __shared__ float scratch[32];
            float* xs = reinterpret_cast<float*>(smem);
            for (int b = 0; b < nb; b++) {
                const float* xr = x + (long long)b * K;
                const float scale = rms_scale(xr, K, eps, scratch);
                for (int i = threadIdx.x; i < K; i += blockDim.x) xs[(long long)b * K + i] = rms_apply(xr[i], g[i], scale);
            }
            __syncthreads();
            return ActF32{xs};
        }
    }
};

// Q8_0 activations: xq (nb, K) int8 and xd (nb, K/32) f32, in shared memory.
struct ActQ8 {
    const int8_t* xq;
    const float* xd;
    // Row b of x (NORM: rmsnorm(x[b]) * g) quantised as quantize_q8_f32 does: a warp per block of 32. Ends with a barrier.
    template <bool NORM>
    __device__ static ActQ8 stage(const float* __restrict__ x, const float* __restrict__ g, float eps, int K, int nb,
                                  void* smem) {
        __shared__ float scratch[32];
        int8_t* xq = reinterpret_cast<int8_t*>(smem);
        float* xd = reinterpret_cast<float*>(xq + (long long)nb * K);   // nb * K is a multiple of 32: aligned
        const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5, kb = K / MINERVA_QK;
        for (int b = 0; b < nb; b++) {
            const float* xr = x + (long long)b * K;
            const float scale = NORM ? rms_scale(xr, K, eps, scratch) : 1.f;
            for (int blk = warp; blk < kb; blk += warps) {
                const int i = blk * MINERVA_QK + lane;
                float d;
                xq[(long long)b * K + i] = quantize_q8_lane(NORM ? rms_apply(xr[i], g[i], scale) : xr[i], &d);
                if (lane == 0) xd[(long long)b * kb + blk] = d;
            }
        }
        __syncthreads();
        return ActQ8{xq, xd};
    }
};

// A weight matrix (gemv.cuh loader F) against f32 activations: v4 row loops.
template <class F>
struct F32Dot {
    F ld;
    const float* x;
    int K, nb;
    __device__ F32Dot(const F& ld_, const ActF32& a, int K_, int nb_) : ld(ld_), x(a.x), K(K_), nb(nb_) {}
    template <int NB>
    __device__ __forceinline__ void row(int r, float (&acc)[NB]) const { gemv_row_acc<NB, true>(ld, x, K, nb, r, 0, K, acc); }
    // row ra of this matrix and row rb of `o`'s, side by side (x read once for both)
    template <int NB>
    __device__ __forceinline__ void pair(const F32Dot& o, int ra, int rb, float (&a)[NB], float (&b)[NB]) const {
        gemv_pair_acc<NB, true>(ld, o.ld, ra, rb, x, K, nb, a, b);
    }
};

// A Q8_0 (QT int8_t) or Q4_0 (QT uint8_t) matrix, split layout, against Q8_0 activations: v5 (__dp4a).
template <class QT>
struct Dp4aDot {
    const QT* qs;
    const __half* d;
    const int8_t* xq;
    const float* xd;
    int K, nb;
    __device__ Dp4aDot(const QT* qs_, const __half* d_, const ActQ8& a, int K_, int nb_)
        : qs(qs_), d(d_), xq(a.xq), xd(a.xd), K(K_), nb(nb_) {}
    template <int NB>
    __device__ __forceinline__ void row(int r, float (&acc)[NB]) const { dp4a_row<NB>(qs, d, xq, xd, r, K, nb, 0, K, acc); }
    template <int NB>
    __device__ __forceinline__ void pair(const Dp4aDot& o, int ra, int rb, float (&a)[NB], float (&b)[NB]) const {
        row<NB>(ra, a);
        o.template row<NB>(rb, b);
    }
};

// ---- row loops and epilogues

// y[b][r] = (ADD ? y[b][r] : 0) + row r . x[b]: a warp per row, 4 rows per row-block.
template <int NB, bool ADD, class Dot>
__device__ __forceinline__ void layer_rows(const Dot& dot, float* __restrict__ y, int rows, int nb) {
    const int n = (rows + GEMV_WARPS - 1) / GEMV_WARPS;
    for (int rb = blockIdx.x; rb < n; rb += gridDim.x) {
        const int r = rb * GEMV_WARPS + (threadIdx.x >> 5);
        if (r >= rows) break;                    // warp-uniform, and r only grows: no barrier or shuffle is skipped
        float acc[NB];
#pragma unroll
        for (int b = 0; b < NB; b++) acc[b] = 0.f;
        dot.template row<NB>(r, acc);
#pragma unroll
        for (int b = 0; b < NB; b++) {
            if (b < nb) {
                const float v = warp_sum(acc[b]);
                if ((threadIdx.x & 31) == 0) {
                    float* o = y + (long long)b * rows + r;
                    *o = ADD ? *o + v : v;       // ADD: each element belongs to one lane of one warp: no race
                }
            }
        }
    }
}

// h[b][r] = silu(w1[r] . x[b]) * (w3[r] . x[b]): a warp per row of both matrices, 4 rows per row-block.
template <int NB, class Dot>
__device__ __forceinline__ void swiglu_rows(const Dot& dg, const Dot& du, float* __restrict__ h, int rows, int nb) {
    const int n = (rows + GEMV_WARPS - 1) / GEMV_WARPS;
    for (int rb = blockIdx.x; rb < n; rb += gridDim.x) {
        const int r = rb * GEMV_WARPS + (threadIdx.x >> 5);
        if (r >= rows) break;
        float ag[NB], au[NB];
#pragma unroll
        for (int b = 0; b < NB; b++) { ag[b] = 0.f; au[b] = 0.f; }
        dg.template pair<NB>(du, r, r, ag, au);
        swiglu_store<NB>(ag, au, h, rows, r, nb);
    }
}

// q, k, v rows in pairs (2p, 2p+1) per warp. q (nb, rows0) gets the rotated pair; the rotated k pair and the v pair go
// to the caches at element (slots[b] * slot_stride + pos[b] * rows1 + r), the layout of rope_freq_kv_append_f32.
template <int NB, class Dot>
__device__ __forceinline__ void qkv_rope_rows(const Dot& dq, const Dot& dk, const Dot& dv, float* __restrict__ q,
                                              float* __restrict__ kcache, float* __restrict__ vcache,
                                              const int* __restrict__ pos, const int* __restrict__ slots,
                                              long long slot_stride, const float* __restrict__ inv_freq, int rows0,
                                              int rows1, int rows2, int nb, int head_dim) {
    constexpr int RB = 2 * GEMV_WARPS;           // rows per row-block
    const int n0 = (rows0 + RB - 1) / RB, n1 = (rows1 + RB - 1) / RB, n2 = (rows2 + RB - 1) / RB;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    for (int rb = blockIdx.x; rb < n0 + n1 + n2; rb += gridDim.x) {
        const int m = rb < n0 ? 0 : rb < n0 + n1 ? 1 : 2;
        const int rows = m == 0 ? rows0 : m == 1 ? rows1 : rows2;
        const int r = ((rb - (m == 0 ? 0 : m == 1 ? n0 : n0 + n1)) * GEMV_WARPS + warp) * 2;
        if (r >= rows) continue;                 // warp-uniform; the loop has no barrier
        float a[NB], b[NB];
#pragma unroll
        for (int i = 0; i < NB; i++) { a[i] = 0.f; b[i] = 0.f; }
        // three call sites, not one through a selected reference: that would put the loaders in local memory
        if (m == 0) dq.template pair<NB>(dq, r, r + 1, a, b);
        else if (m == 1) dk.template pair<NB>(dk, r, r + 1, a, b);
        else dv.template pair<NB>(dv, r, r + 1, a, b);
#pragma unroll
        for (int i = 0; i < NB; i++) {
            if (i < nb) {
                const float ya = warp_sum(a[i]), yb = warp_sum(b[i]);
                if (lane == 0) {
                    float2 out = make_float2(ya, yb);
                    if (m != 2) {
                        float c, s;
                        rope_cos_sin(pos[i], inv_freq, r % head_dim, &c, &s);
                        out = rope_rotate_cs(ya, yb, c, s);
                    }
                    float* dst = m == 0 ? q + (long long)i * rows0
                                        : (m == 1 ? kcache : vcache) + slots[i] * slot_stride + (long long)pos[i] * rows1;
                    dst[r] = out.x;
                    dst[r + 1] = out.y;
                }
            }
        }
    }
}

// ---- L2 prefetch of the weight rows a block reads (the entries' `prefetch` argument)

// Rows [r0, r1) of a K-column matrix, named as the entries' DOT constructors name it: a 16-bit loader, or the split
// layout's values and scales (Q8_0: K bytes a row, Q4_0: K/2; both K/32 f16 scales a row).
template <class T>
__device__ __forceinline__ void rows_l2(int K, int r0, int r1, const Fetch16Bit<T>& f) {
    prefetch_l2(f.w + (long long)r0 * K, (long long)sizeof(T) * (r1 - r0) * K);
}
__device__ __forceinline__ void split_rows_l2(const void* qs, long long row_bytes, const __half* d, int K, int r0, int r1) {
    prefetch_l2(static_cast<const char*>(qs) + r0 * row_bytes, (r1 - r0) * row_bytes);
    prefetch_l2(d + (long long)r0 * (K / MINERVA_QK), 2LL * (r1 - r0) * (K / MINERVA_QK));
}
__device__ __forceinline__ void rows_l2(int K, int r0, int r1, const int8_t* qs, const __half* d) { split_rows_l2(qs, K, d, K, r0, r1); }
__device__ __forceinline__ void rows_l2(int K, int r0, int r1, const uint8_t* qs, const __half* d) { split_rows_l2(qs, K / 2, d, K, r0, r1); }

// The launch's row-blocks [lo, hi) are one matrix's (R rows each, `rows` in all): f(r0, r1) with that matrix's rows
// for each of them this block takes (blockIdx.x, blockIdx.x + gridDim.x, ...: the row loops' order).
template <int R, class F>
__device__ __forceinline__ void my_row_blocks(int lo, int hi, int rows, F f) {
    const int g = gridDim.x, b = blockIdx.x;
    for (int rb = b >= lo ? b : b + (lo - b + g - 1) / g * g; rb < hi; rb += g) {
        const int r0 = (rb - lo) * R;
        f(r0, min(rows, r0 + R));
    }
}

// The prefetch of a warp-per-row entry (GEMV_WARPS rows per row-block): m are one matrix's DOT constructor arguments.
template <class... M>
__device__ __forceinline__ void prefetch_warp_rows(int rows, int K, M... m) {
    my_row_blocks<GEMV_WARPS>(0, (rows + GEMV_WARPS - 1) / GEMV_WARPS, rows, [&](int a, int b) { rows_l2(K, a, b, m...); });
}

// ---- entry points
#define LAYER_UNPAREN(...) __VA_ARGS__

// ACT: ActF32 or ActQ8; DOT: the matching dot type; P_i: matrix i's parameters, M_i: DOT's constructor arguments
// before the activations (both parenthesised: a quantised matrix has values and scales).
#define LAYER_ENTRIES(DT, NB, ACT, DOT, P0, P1, P2, M0, M1, M2)                                                          \
    extern "C" __global__ void __launch_bounds__(GEMV_WARPS * 32)                                                       \
    qkv_rope_##DT##_nb##NB(LAYER_UNPAREN P0, LAYER_UNPAREN P1, LAYER_UNPAREN P2, const float* __restrict__ x,           \
                           const float* __restrict__ g, float eps, float* __restrict__ q, float* __restrict__ kcache,   \
                           float* __restrict__ vcache, const int* __restrict__ pos, const int* __restrict__ slots,      \
                           long long slot_stride, const float* __restrict__ inv_freq, int rows0, int rows1, int rows2,  \
                           int K, int nb, int head_dim, int prefetch) {                                                 \
        extern __shared__ float4 layer_smem[];                                                                          \
        if (prefetch) {                                                                                                 \
            constexpr int RB = 2 * GEMV_WARPS;                                                                          \
            const int n0 = (rows0 + RB - 1) / RB, n1 = (rows1 + RB - 1) / RB, n2 = (rows2 + RB - 1) / RB;               \
            my_row_blocks<RB>(0, n0, rows0, [&](int a, int b) { rows_l2(K, a, b, LAYER_UNPAREN M0); });                 \
            my_row_blocks<RB>(n0, n0 + n1, rows1, [&](int a, int b) { rows_l2(K, a, b, LAYER_UNPAREN M1); });           \
            my_row_blocks<RB>(n0 + n1, n0 + n1 + n2, rows2, [&](int a, int b) { rows_l2(K, a, b, LAYER_UNPAREN M2); }); \
        }                                                                                                               \
        pdl_wait();                                                                                                     \
        pdl_launch_dependents();                                                                                        \
        const ACT act = ACT::template stage<true>(x, g, eps, K, nb, layer_smem);                                        \
        const DOT dq(LAYER_UNPAREN M0, act, K, nb), dk(LAYER_UNPAREN M1, act, K, nb), dv(LAYER_UNPAREN M2, act, K, nb);  \
        qkv_rope_rows<NB>(dq, dk, dv, q, kcache, vcache, pos, slots, slot_stride, inv_freq, rows0, rows1, rows2, nb,     \
                          head_dim);                                                                                    \
    }                                                                                                                   \
    extern "C" __global__ void __launch_bounds__(GEMV_WARPS * 32)                                                       \
    swiglu_norm_##DT##_nb##NB(LAYER_UNPAREN P0, LAYER_UNPAREN P1, const float* __restrict__ x,                          \
                              const float* __restrict__ g, float eps, float* __restrict__ h, int rows, int K, int nb,  \
                              int prefetch) {                                                                           \
        extern __shared__ float4 layer_smem[];                                                                          \
        if (prefetch) {                                                                                                 \
            prefetch_warp_rows(rows, K, LAYER_UNPAREN M0);                                                              \
            prefetch_warp_rows(rows, K, LAYER_UNPAREN M1);                                                              \
        }                                                                                                               \
        pdl_wait();                                                                                                     \
        pdl_launch_dependents();                                                                                        \
        const ACT act = ACT::template stage<true>(x, g, eps, K, nb, layer_smem);                                        \
        const DOT dg(LAYER_UNPAREN M0, act, K, nb), du(LAYER_UNPAREN M1, act, K, nb);                                   \
        swiglu_rows<NB>(dg, du, h, rows, nb);                                                                           \
    }                                                                                                                   \
    extern "C" __global__ void __launch_bounds__(GEMV_WARPS * 32)                                                       \
    residual_##DT##_nb##NB(LAYER_UNPAREN P0, const float* __restrict__ x, float* __restrict__ y, int rows, int K,       \
                           int nb, int prefetch) {                                                                      \
        extern __shared__ float4 layer_smem[];                                                                          \
        if (prefetch) prefetch_warp_rows(rows, K, LAYER_UNPAREN M0);                                                    \
        pdl_wait();                                                                                                     \
        pdl_launch_dependents();                                                                                        \
        const ACT act = ACT::template stage<false>(x, nullptr, 0.f, K, nb, layer_smem);                                 \
        const DOT dot(LAYER_UNPAREN M0, act, K, nb);                                                                    \
        layer_rows<NB, true>(dot, y, rows, nb);                                                                         \
    }                                                                                                                   \
    extern "C" __global__ void __launch_bounds__(GEMV_WARPS * 32)                                                       \
    norm_gemv_##DT##_nb##NB(LAYER_UNPAREN P0, const float* __restrict__ x, const float* __restrict__ g, float eps,       \
                            float* __restrict__ y, int rows, int K, int nb, int prefetch) {                             \
        extern __shared__ float4 layer_smem[];                                                                          \
        if (prefetch) prefetch_warp_rows(rows, K, LAYER_UNPAREN M0);                                                    \
        pdl_wait();                                                                                                     \
        pdl_launch_dependents();                                                                                        \
        const ACT act = ACT::template stage<true>(x, g, eps, K, nb, layer_smem);                                        \
        const DOT dot(LAYER_UNPAREN M0, act, K, nb);                                                                    \
        layer_rows<NB, false>(dot, y, rows, nb);                                                                        \
    }

#define LAYER_ALL_NB(DT, ACT, DOT, P0, P1, P2, M0, M1, M2) \
    LAYER_ENTRIES(DT, 1, ACT, DOT, P0, P1, P2, M0, M1, M2) \
    LAYER_ENTRIES(DT, 2, ACT, DOT, P0, P1, P2, M0, M1, M2) \
    LAYER_ENTRIES(DT, 4, ACT, DOT, P0, P1, P2, M0, M1, M2) \
    LAYER_ENTRIES(DT, 8, ACT, DOT, P0, P1, P2, M0, M1, M2)

LAYER_ALL_NB(f16, ActF32, F32Dot<FetchF16>,
             (const __half* __restrict__ w0), (const __half* __restrict__ w1), (const __half* __restrict__ w2),
             (FetchF16(w0, K)), (FetchF16(w1, K)), (FetchF16(w2, K)))
LAYER_ALL_NB(bf16, ActF32, F32Dot<FetchBF16>,
             (const __nv_bfloat16* __restrict__ w0), (const __nv_bfloat16* __restrict__ w1),
             (const __nv_bfloat16* __restrict__ w2), (FetchBF16(w0, K)), (FetchBF16(w1, K)), (FetchBF16(w2, K)))
LAYER_ALL_NB(q4_0, ActQ8, Dp4aDot<uint8_t>,
             (const uint8_t* __restrict__ qs0, const __half* __restrict__ d0),
             (const uint8_t* __restrict__ qs1, const __half* __restrict__ d1),
             (const uint8_t* __restrict__ qs2, const __half* __restrict__ d2), (qs0, d0), (qs1, d1), (qs2, d2))
LAYER_ALL_NB(q8_0, ActQ8, Dp4aDot<int8_t>,
             (const int8_t* __restrict__ qs0, const __half* __restrict__ d0),
             (const int8_t* __restrict__ qs1, const __half* __restrict__ d1),
             (const int8_t* __restrict__ qs2, const __half* __restrict__ d2), (qs0, d0), (qs1, d1), (qs2, d2))
