// gemm.cu — prefill matmul on tensor cores: C[m][n] = sum_k A[m][k] * W[n][k]
//   A (M, K) activations, W (N, K) weights (the usual (out, in) layout), both f16 or both bf16; C (M, N) f32.
// Compute-bound for M in the hundreds: figure of merit is 2*M*N*K / time against the chip's dense f16 rate.
// Launch: block = 128 threads (4 warps in 2x2, each a 32x32 sub-tile = 2x2 WMMA 16x16x16 fragments),
//   grid = (ceil(N/64), ceil(M/64)); static smem ~27 KB. Requires K % 32 == 0 and 16-byte aligned rows
//   (checked on the host); M and N are arbitrary (edge tiles are zero-padded in shared memory).
// Versions:
//   v1 gemm_f16_wmma / gemm_bf16_wmma: WMMA (nvcuda::wmma) fragments, single-buffered 64x64x32 smem tiles,
//      16-byte global loads, rows padded by 8 halves against bank conflicts, f32 epilogue through smem.
//   (next: mma.sync m16n8k16 with ldmatrix and a cp.async double buffer; then wgmma on sm_90a.)
#include "common.cuh"
#include <mma.h>

using namespace nvcuda;

#define GM_BM 64
#define GM_BN 64
#define GM_BK 32
#define GM_PAD 8

template <typename T>
__device__ __forceinline__ void gemm_wmma_body(const T* __restrict__ A, const T* __restrict__ W, float* __restrict__ C,
                                               int M, int N, int K) {
    struct Tiles { T a[GM_BM][GM_BK + GM_PAD]; T b[GM_BN][GM_BK + GM_PAD]; };
    __shared__ __align__(128) unsigned char smem_raw[GM_BM * (GM_BN + 4) * sizeof(float)];
    Tiles& t = *reinterpret_cast<Tiles*>(smem_raw);
    float (*cs)[GM_BN + 4] = reinterpret_cast<float (*)[GM_BN + 4]>(smem_raw);   // reused for the epilogue

    const int warp = threadIdx.x >> 5;
    const int wm = warp >> 1, wn = warp & 1;          // warp's 32x32 position in the 64x64 tile
    const int m0 = blockIdx.y * GM_BM, n0 = blockIdx.x * GM_BN;

    wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc[2][2];
#pragma unroll
    for (int i = 0; i < 2; i++)
#pragma unroll
        for (int j = 0; j < 2; j++) wmma::fill_fragment(acc[i][j], 0.f);

    for (int k0 = 0; k0 < K; k0 += GM_BK) {
        // 64 rows x 32 halves = 256 uint4 per operand; 128 threads -> 2 each.
#pragma unroll
        for (int it = 0; it < 2; it++) {
            const int idx = threadIdx.x + it * 128;
            const int row = idx >> 2, col = (idx & 3) * 8;
            uint4 va = make_uint4(0, 0, 0, 0), vb = make_uint4(0, 0, 0, 0);
            if (m0 + row < M) va = *reinterpret_cast<const uint4*>(A + (long long)(m0 + row) * K + k0 + col);
            if (n0 + row < N) vb = *reinterpret_cast<const uint4*>(W + (long long)(n0 + row) * K + k0 + col);
            *reinterpret_cast<uint4*>(&t.a[row][col]) = va;
            *reinterpret_cast<uint4*>(&t.b[row][col]) = vb;
        }
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < GM_BK; kk += 16) {
            wmma::fragment<wmma::matrix_a, 16, 16, 16, T, wmma::row_major> fa[2];
            wmma::fragment<wmma::matrix_b, 16, 16, 16, T, wmma::col_major> fb[2];
#pragma unroll
            for (int i = 0; i < 2; i++) wmma::load_matrix_sync(fa[i], &t.a[wm * 32 + i * 16][kk], GM_BK + GM_PAD);
#pragma unroll
            for (int j = 0; j < 2; j++) wmma::load_matrix_sync(fb[j], &t.b[wn * 32 + j * 16][kk], GM_BK + GM_PAD);
#pragma unroll
            for (int i = 0; i < 2; i++)
#pragma unroll
                for (int j = 0; j < 2; j++) wmma::mma_sync(acc[i][j], fa[i], fb[j], acc[i][j]);
        }
        __syncthreads();
    }
#pragma unroll
    for (int i = 0; i < 2; i++)
#pragma unroll
        for (int j = 0; j < 2; j++)
            wmma::store_matrix_sync(&cs[wm * 32 + i * 16][wn * 32 + j * 16], acc[i][j], GM_BN + 4, wmma::mem_row_major);
    __syncthreads();
    for (int idx = threadIdx.x; idx < GM_BM * GM_BN; idx += blockDim.x) {
        const int row = idx / GM_BN, col = idx % GM_BN;
        if (m0 + row < M && n0 + col < N) C[(long long)(m0 + row) * N + n0 + col] = cs[row][col];
    }
}

extern "C" __global__ void __launch_bounds__(128)
gemm_f16_wmma(const __half* __restrict__ A, const __half* __restrict__ W, float* __restrict__ C, int M, int N, int K) {
    gemm_wmma_body<__half>(A, W, C, M, N, K);
}

extern "C" __global__ void __launch_bounds__(128)
gemm_bf16_wmma(const __nv_bfloat16* __restrict__ A, const __nv_bfloat16* __restrict__ W, float* __restrict__ C,
               int M, int N, int K) {
    gemm_wmma_body<__nv_bfloat16>(A, W, C, M, N, K);
}
