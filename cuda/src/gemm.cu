// gemm.cu — prefill matmul on tensor cores: C[m][n] = sum_k A[m][k] * W[n][k]
//   A (M, K) activations, W (N, K) weights (the usual (out, in) layout), both f16 or both bf16; C (M, N) f32.
// Compute-bound for M in the hundreds: figure of merit is 2*M*N*K / time against the chip's dense f16 rate.
// Launch: block = 128 threads (4 warps in 2x2, each a 32x32 sub-tile = 2x2 WMMA 16x16x16 fragments),
//   grid = (ceil(N/64), ceil(M/64)); static smem ~27 KB. Requires K % 32 == 0 and 16-byte aligned rows
//   (checked on the host); M and N are arbitrary (edge tiles are zero-padded in shared memory).
// Versions:
//   v1 gemm_f16_wmma / gemm_bf16_wmma: WMMA (nvcuda::wmma) fragments, single-buffered 64x64x32 smem tiles,
//      16-byte global loads, rows padded by 8 halves against bank conflicts, f32 epilogue through smem.
//   v2 gemm_f16_mma / gemm_bf16_mma: mma.sync m16n8k16 fragments loaded with ldmatrix.x4, a 3-stage cp.async
//      pipeline of 128x64x32 tiles (zero-filled past M and N), 8 warps of 32x32, epilogue straight from registers.
//      Launch: block = 256, grid = (ceil(N/64), ceil(M/128)), static smem 45 KB (3 stages x 192 rows x 80 B).
//   v3 gemm_f16_mma64 / gemm_bf16_mma64: v2 with 64x64 tiles and 4 warps (block 128, grid (ceil(N/64), ceil(M/64)),
//      30 KB): twice the blocks, for shapes where v2's grid leaves SMs idle (512 x 2048 x 2048: 128 blocks of v2 on
//      132 SMs).
//   (next: wgmma on sm_90a.)
#include "common.cuh"
#include "mma.cuh"   // cp.async, ldmatrix, mma.sync m16n8k16 (v2, v3)
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

// ---------------------------------------------------------------------------------------------------- v2, v3
// Tile BM (128 or 64) x 64 (N) x 32 (K); warp w covers rows 32*(w/2).. and cols 32*(w%2).. of the tile: 2 m16 tiles x
// 4 n8 tiles, 32 f32 accumulators per thread. Shared rows are 32 halves + 8 of padding (80 bytes): the 8 rows an
// ldmatrix phase reads start 80 bytes apart, i.e. on banks 0, 20, 8, 28, 16, 4, 24, 12 -- conflict-free, and
// 16-byte aligned for cp.async. Fragment layouts: PTX ISA, "Matrix Fragments for mma.m16n8k16".
// The index math is mirrored in Java (dev.minerva.backend.cuda.reference.MmaGemmReference) and tested there.
#define MM_BN 64
#define MM_BK 32
#define MM_LD (MM_BK + 8)
#define MM_STAGES 3

template <typename T, int BM>
__device__ __forceinline__ void gemm_mma_body(const T* __restrict__ A, const T* __restrict__ W, float* __restrict__ C,
                                              int M, int N, int K) {
    constexpr int THREADS = 2 * BM;   // (BM/32) x 2 warps of 32x32
    __shared__ __align__(128) T as[MM_STAGES][BM][MM_LD];
    __shared__ __align__(128) T bs[MM_STAGES][MM_BN][MM_LD];

    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    const int wm = (warp >> 1) * 32, wn = (warp & 1) * 32;
    const int m0 = blockIdx.y * BM, n0 = blockIdx.x * MM_BN;
    const int tiles = K / MM_BK;

    // per stage A has 4*BM 16-byte chunks (2 per thread) and W 256 (256/THREADS per thread): chunk c -> row c/4,
    // halves 8*(c%4)
    auto load = [&](int stage, int kt) {
        const int k0 = kt * MM_BK;
#pragma unroll
        for (int it = 0; it < 2; it++) {
            const int c = tid + it * THREADS, row = c >> 2, col = (c & 3) * 8;
            const bool ok = m0 + row < M;
            cp_async16(&as[stage][row][col], A + (long long)(ok ? m0 + row : 0) * K + k0 + col, ok);
        }
#pragma unroll
        for (int it = 0; it < 4 * MM_BN / THREADS; it++) {
            const int c = tid + it * THREADS, row = c >> 2, col = (c & 3) * 8;
            const bool ok = n0 + row < N;
            cp_async16(&bs[stage][row][col], W + (long long)(ok ? n0 + row : 0) * K + k0 + col, ok);
        }
    };

    float acc[2][4][4];
#pragma unroll
    for (int i = 0; i < 2; i++)
#pragma unroll
        for (int j = 0; j < 4; j++)
#pragma unroll
            for (int e = 0; e < 4; e++) acc[i][j][e] = 0.f;

    // prologue: stages 0 .. STAGES-2 in flight (one commit group each, empty past the last tile)
#pragma unroll
    for (int s = 0; s < MM_STAGES - 1; s++) {
        if (s < tiles) load(s, s);
        cp_async_commit();
    }
    for (int kt = 0; kt < tiles; kt++) {
        cp_async_wait<MM_STAGES - 2>();   // tile kt has landed (for this thread's copies) ...
        __syncthreads();                  // ... for every thread's, and every warp is done with tile kt-1's stage
        if (kt + MM_STAGES - 1 < tiles) load((kt + MM_STAGES - 1) % MM_STAGES, kt + MM_STAGES - 1);
        cp_async_commit();
        const int st = kt % MM_STAGES;
#pragma unroll
        for (int kk = 0; kk < MM_BK; kk += 16) {
            // A: matrices (rows 0-7, k 0-7), (rows 8-15, k 0-7), (rows 0-7, k 8-15), (rows 8-15, k 8-15) = a0..a3;
            // lane l gives the address of row l%8 of matrix l/8
            unsigned a[2][4], b[4][2];
#pragma unroll
            for (int i = 0; i < 2; i++) ldmatrix_x4(a[i], &as[st][wm + i * 16 + (lane & 15)][kk + (lane >> 4) * 8]);
            // W rows are B's columns: matrices (n 0-7, k 0-7), (n 0-7, k 8-15), (n 8-15, k 0-7), (n 8-15, k 8-15)
            // = b0, b1 of n-tile 2*j2 and b0, b1 of n-tile 2*j2+1
#pragma unroll
            for (int j2 = 0; j2 < 2; j2++) {
                unsigned r[4];
                ldmatrix_x4(r, &bs[st][wn + j2 * 16 + (lane & 7) + (lane >> 4) * 8][kk + ((lane >> 3) & 1) * 8]);
                b[2 * j2][0] = r[0]; b[2 * j2][1] = r[1]; b[2 * j2 + 1][0] = r[2]; b[2 * j2 + 1][1] = r[3];
            }
#pragma unroll
            for (int i = 0; i < 2; i++)
#pragma unroll
                for (int j = 0; j < 4; j++) MmaOp<T>::run(acc[i][j], a[i], b[j][0], b[j][1]);
        }
    }
    cp_async_wait<0>();

    // C fragment: c0, c1 at (row lane/4, cols 2*(lane%4) + 0, 1); c2, c3 eight rows lower
    const int gr = lane >> 2, gc = (lane & 3) * 2;
    const bool pairs = (N & 1) == 0;   // float2 stores need 8-byte aligned (row*N + col)
#pragma unroll
    for (int i = 0; i < 2; i++)
#pragma unroll
        for (int j = 0; j < 4; j++)
#pragma unroll
            for (int h = 0; h < 2; h++) {
                const int row = m0 + wm + i * 16 + gr + h * 8, col = n0 + wn + j * 8 + gc;
                if (row >= M) continue;
                float* dst = C + (long long)row * N + col;
                if (pairs && col + 1 < N) *reinterpret_cast<float2*>(dst) = make_float2(acc[i][j][2 * h], acc[i][j][2 * h + 1]);
                else {
                    if (col < N) dst[0] = acc[i][j][2 * h];
                    if (col + 1 < N) dst[1] = acc[i][j][2 * h + 1];
                }
            }
}

// Entry points gemm_f16_mma, gemm_bf16_mma (v2, BM 128) and gemm_f16_mma64, gemm_bf16_mma64 (v3, BM 64).
#define GEMM_MMA_ENTRIES(SUFFIX, BM)                                                                                \
    extern "C" __global__ void __launch_bounds__(2 * BM)                                                            \
    gemm_f16_##SUFFIX(const __half* __restrict__ A, const __half* __restrict__ W, float* __restrict__ C, int M,      \
                      int N, int K) {                                                                               \
        gemm_mma_body<__half, BM>(A, W, C, M, N, K);                                                                \
    }                                                                                                               \
    extern "C" __global__ void __launch_bounds__(2 * BM)                                                            \
    gemm_bf16_##SUFFIX(const __nv_bfloat16* __restrict__ A, const __nv_bfloat16* __restrict__ W,                    \
                       float* __restrict__ C, int M, int N, int K) {                                                \
        gemm_mma_body<__nv_bfloat16, BM>(A, W, C, M, N, K);                                                         \
    }

GEMM_MMA_ENTRIES(mma, 128)
GEMM_MMA_ENTRIES(mma64, 64)
