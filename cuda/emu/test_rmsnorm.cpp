// rmsnorm.cu on the emulator against float64: rmsnorm_f32, add_rmsnorm_f32 (residual updated too), add_rmsnorm_f32_h.
// Launches as CudaBackend / CudaDecoder make them: grid = rows, block 256 (512 from dim 2048).
#include "rmsnorm.cu"
#include "check.h"

static void run(int rows, int dim, int block) {
    const float eps = 1e-5f;
    const auto x = chk::random((size_t)rows * dim, 1, 3.f), d = chk::random((size_t)rows * dim, 2), w = chk::random(dim, 3);
    std::vector<double> want(rows * (size_t)dim), resid(rows * (size_t)dim);
    for (int r = 0; r < rows; r++) {
        double ss = 0, ss2 = 0;
        for (int i = 0; i < dim; i++) { const double v = x[r * dim + i]; ss += v * v; }
        for (int i = 0; i < dim; i++) { const double v = (double)x[r * dim + i] + d[r * dim + i]; resid[r * dim + i] = v; ss2 += v * v; }
        for (int i = 0; i < dim; i++) want[r * dim + i] = w[i] * x[r * dim + i] / std::sqrt(ss / dim + eps);
        for (int i = 0; i < dim; i++) resid[r * dim + i] = w[i] * resid[r * dim + i] / std::sqrt(ss2 / dim + eps), (void)0;
    }
    const std::string tag = " rows " + std::to_string(rows) + " dim " + std::to_string(dim) + " block " + std::to_string(block);
    auto out = chk::both_orders("rmsnorm_f32" + tag, chk::poisoned(want.size()), [&](std::vector<float>& o) {
        emu::launch("rmsnorm_f32", rmsnorm_f32, dim3(rows), dim3(block), 0, x.data(), w.data(), o.data(), dim, eps);
    });
    chk::close("rmsnorm_f32" + tag, out, want, 1e-5, 1e-6);

    std::vector<float> residual = x;
    std::vector<double> summed(x.size());
    for (size_t i = 0; i < x.size(); i++) summed[i] = (double)x[i] + d[i];
    auto normed = chk::both_orders("add_rmsnorm_f32" + tag, chk::poisoned(want.size()), [&](std::vector<float>& o) {
        residual = x;
        emu::launch("add_rmsnorm_f32", add_rmsnorm_f32, dim3(rows), dim3(block), 0, residual.data(), d.data(), w.data(), o.data(), dim, eps);
    });
    chk::close("add_rmsnorm_f32 (normed)" + tag, normed, resid, 1e-5, 1e-6);
    chk::close("add_rmsnorm_f32 (residual += delta)" + tag, residual, summed, 1e-6, 1e-7);

    auto halves = chk::both_orders("add_rmsnorm_f32_h" + tag, std::vector<__half>(want.size(), __half{0x7e00}), [&](std::vector<__half>& o) {
        residual = x;
        emu::launch("add_rmsnorm_f32_h", add_rmsnorm_f32_h, dim3(rows), dim3(block), 0, residual.data(), d.data(), w.data(), o.data(), dim, eps);
    });
    std::vector<float> hf(halves.size());
    for (size_t i = 0; i < hf.size(); i++) hf[i] = __half2float(halves[i]);
    chk::close("add_rmsnorm_f32_h (f16 out)" + tag, hf, resid, 1e-3, 1e-4);
}

int main() {
    run(3, 64, 256);      // stories-like: fewer elements than threads
    run(2, 288, 256);
    run(2, 2048, 512);    // TinyLlama width
    run(1, 100, 32);      // one warp, ragged
    return chk::summary("rmsnorm");
}
