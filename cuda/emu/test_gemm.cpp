// gemm.cu on the emulator against float64: v1 gemm_{f16,bf16}_wmma (nvcuda::wmma, include/mma.h), v2 gemm_*_mma and
// v3 gemm_*_mma64 (cp.async / ldmatrix.x4 / mma.sync m16n8k16 from emu_ptx.h, with cp.async copies landing only at
// their wait_group). Launches as CudaBackend.gemm with TensorCoreGemm: grid (ceil(N/64), ceil(M/tileM)), block
// `threads` (wmma 64/128, mma 128/256, mma64 64/128). Shapes: full tiles, one k-tile (an empty commit group), 7
// k-tiles (every pipeline stage reused), ragged M and odd N (the scalar store path), one row past a v2 tile.
#include "gemm.cu"
#include "check.h"

template <class T> static T to(float f);
template <> __half to<__half>(float f) { return __float2half_rn(f); }
template <> __nv_bfloat16 to<__nv_bfloat16>(float f) { return __float2bfloat16_rn(f); }
template <class T> static float from(T h);
template <> float from<__half>(__half h) { return __half2float(h); }
template <> float from<__nv_bfloat16>(__nv_bfloat16 h) { return __bfloat162float(h); }

struct Version { const char* name; int tileM, threads; void (*f16)(const __half*, const __half*, float*, int, int, int);
                 void (*bf16)(const __nv_bfloat16*, const __nv_bfloat16*, float*, int, int, int); };

template <class T>
static void run(const Version& v, void (*kernel)(const T*, const T*, float*, int, int, int), const char* dtype, int M, int N, int K) {
    const auto a = chk::random((size_t)M * K, 11 + M, 2.f), w = chk::random((size_t)N * K, 12 + N, 0.5f);
    std::vector<T> ah(a.size()), wh(w.size());
    for (size_t i = 0; i < a.size(); i++) ah[i] = to<T>(a[i]);
    for (size_t i = 0; i < w.size(); i++) wh[i] = to<T>(w[i]);
    std::vector<double> want((size_t)M * N);
    for (int m = 0; m < M; m++)
        for (int n = 0; n < N; n++) {
            double s = 0;
            for (int k = 0; k < K; k++) s += (double)from(ah[(size_t)m * K + k]) * from(wh[(size_t)n * K + k]);
            want[(size_t)m * N + n] = s;
        }
    const std::string what = std::string("gemm_") + dtype + "_" + v.name + " " + std::to_string(M) + "x" + std::to_string(N) + "x" + std::to_string(K);
    auto c = chk::both_orders(what, chk::poisoned(want.size()), [&](std::vector<float>& out) {
        emu::launch(what.c_str(), kernel, dim3((N + 63) / 64, (M + v.tileM - 1) / v.tileM), dim3(v.threads), 0, ah.data(), wh.data(),
                    out.data(), M, N, K);
    });
    // products of f16/bf16 values are exact in f32; only the f32 accumulation order differs from float64
    chk::close(what, c, want, 1e-5, 1e-5 * std::sqrt((double)K));
}

int main() {
    const Version versions[] = {{"wmma", 64, 128, gemm_f16_wmma, gemm_bf16_wmma},
                                {"mma", 128, 256, gemm_f16_mma, gemm_bf16_mma},
                                {"mma64", 64, 64 * 2, gemm_f16_mma64, gemm_bf16_mma64}};
    const int shapes[][3] = {{64, 64, 32}, {1, 1, 32}, {70, 100, 64}, {130, 67, 224}, {129, 64, 32}, {37, 70, 96}};
    for (const Version& v : versions)
        for (const auto& s : shapes) {
            run<__half>(v, v.f16, "f16", s[0], s[1], s[2]);
            run<__nv_bfloat16>(v, v.bf16, "bf16", s[0], s[1], s[2]);
        }
    return chk::summary("gemm");
}
