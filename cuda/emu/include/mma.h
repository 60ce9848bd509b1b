// Shadows CUDA's <mma.h> for the CPU emulator: nvcuda::wmma with every lane holding the whole tile, so
// load / mma / store give the hardware's results whatever the (opaque) fragment layout is.
#pragma once
#include "../minerva_emu.h"

namespace nvcuda {
namespace wmma {
struct matrix_a {};
struct matrix_b {};
struct accumulator {};
struct row_major {};
struct col_major {};
enum layout_t { mem_row_major, mem_col_major };

template <class Use, int M, int N, int K, class T, class Layout = void>
struct fragment {
    static constexpr int ROWS = std::is_same<Use, matrix_b>::value ? K : M;
    static constexpr int COLS = std::is_same<Use, matrix_a>::value ? K : N;
    static constexpr int num_elements = ROWS * COLS;
    float x[ROWS * COLS];   // element (r, c) at x[r * COLS + c], as float (f16/bf16 values are exact in float)
};

inline float to_float(const __half& h) { return __half2float(h); }
inline float to_float(const __nv_bfloat16& h) { return __bfloat162float(h); }
inline float to_float(float f) { return f; }

template <class Use, int M, int N, int K, class T, class L>
inline void fill_fragment(fragment<Use, M, N, K, T, L>& f, float v) {
    for (int i = 0; i < f.num_elements; i++) f.x[i] = v;
}
// Element (r, c) of the tile sits at p[r * ldm + c] (row_major) or p[c * ldm + r] (col_major).
template <class Use, int M, int N, int K, class T, class L>
inline void load_matrix_sync(fragment<Use, M, N, K, T, L>& f, const T* p, unsigned ldm) {
    using F = fragment<Use, M, N, K, T, L>;
    constexpr bool col = std::is_same<L, col_major>::value;
    for (int r = 0; r < F::ROWS; r++)
        for (int c = 0; c < F::COLS; c++) f.x[r * F::COLS + c] = to_float(col ? p[(size_t)c * ldm + r] : p[(size_t)r * ldm + c]);
    emu::sync_warp(0xffffffffu);
}
template <int M, int N, int K, class TA, class LA, class LB>
inline void mma_sync(fragment<accumulator, M, N, K, float>& d, const fragment<matrix_a, M, N, K, TA, LA>& a,
                     const fragment<matrix_b, M, N, K, TA, LB>& b, const fragment<accumulator, M, N, K, float>& c) {
    float out[M * N];
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            double s = c.x[i * N + j];
            for (int k = 0; k < K; k++) s += (double)a.x[i * K + k] * b.x[k * N + j];
            out[i * N + j] = (float)s;
        }
    std::memcpy(d.x, out, sizeof out);
}
template <int M, int N, int K>
inline void store_matrix_sync(float* p, const fragment<accumulator, M, N, K, float>& f, unsigned ldm, layout_t l) {
    for (int r = 0; r < M; r++)
        for (int c = 0; c < N; c++) p[l == mem_row_major ? (size_t)r * ldm + c : (size_t)c * ldm + r] = f.x[r * N + c];
    emu::sync_warp(0xffffffffu);
}
}  // namespace wmma
}  // namespace nvcuda
