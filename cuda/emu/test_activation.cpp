// activation.cu on the emulator: silu_mul_f32 and add_f32 (float4 body + scalar tail: n = 1..7, odd lengths, and
// the grid cap where the grid-stride loop takes a second pass), silu_mul_f32_h (f16 out).
// Semantics (CpuBackend / VectorMath.siluMul): g[i] = g[i] / (1 + exp(-g[i])) * u[i], against float64; add_f32 is
// a float add, so it must equal (float)((double)a + b) bit for bit. silu_mul_f32_h must be the round-to-nearest-even
// f16 of the float result (an independent f16 rounding here), and within f16 rounding of float64.
// Launches mirrored from the host, both in place (out = gate / out = x, as the host passes them):
//   CudaBackend.siluMul / add: grid = max(1, min((n/4+1 + 255)/256, 132*16)), block 256;
//   CudaDecoder (plain step): grid = min(n/1024 + 1, 2048), block 256.
// silu_mul_f32_h has no host caller: grid-stride, block 256, grid = max(1, min((n+255)/256, 132*16)).
// Poisoned separate outputs as well, so an element the kernel skips shows up.
#include "activation.cu"
#include "check.h"

namespace {
int decoder_grid(long long n) { return (int)std::min(n / 1024 + 1, 2048LL); }

using chk::ref::rne_f16;

void exact_bits16(const std::string& what, const std::vector<__half>& got, const std::vector<uint16_t>& want) {
    size_t bad = 0, first = 0;
    for (size_t i = 0; i < got.size(); i++) {
        const bool nan_both = (got[i].__x & 0x7fff) > 0x7c00 && (want[i] & 0x7fff) > 0x7c00;
        if (!nan_both && got[i].__x != want[i]) { if (!bad) first = i; bad++; }
    }
    std::printf("%-4s %-58s n=%-7zu mismatches %zu  first [%zu] got 0x%04x want 0x%04x\n", bad ? "FAIL" : "ok", what.c_str(),
                got.size(), bad, first, got.empty() ? 0 : got[first].__x, want.empty() ? 0 : want[first]);
    if (bad) chk::failures()++;
}

void exact(const std::string& what, const std::vector<float>& got, const std::vector<float>& want) {
    size_t bad = 0, first = 0;
    for (size_t i = 0; i < got.size(); i++)
        if (emu::f2u(got[i]) != emu::f2u(want[i]) && !(std::isnan(got[i]) && std::isnan(want[i]))) { if (!bad) first = i; bad++; }
    std::printf("%-4s %-58s n=%-7zu mismatches %zu  first [%zu] got %.9g want %.9g\n", bad ? "FAIL" : "ok", what.c_str(),
                got.size(), bad, first, got.empty() ? 0.f : got[first], want.empty() ? 0.f : want[first]);
    if (bad) chk::failures()++;
}

// gate values where exp(-g) over/underflows, silu's sign changes, or the product leaves f16's range
std::vector<float> gates(long long n, uint64_t seed) {
    auto g = chk::random(n, seed, 4.f);
    const float edge[] = {0.f, -0.f, 20.f, -20.f, -87.f, -88.5f, -89.f, -104.f, -150.f, 88.7f, 50.f, 300.f, 1e-3f, -1e-30f};
    for (size_t i = 0; i < sizeof(edge) / sizeof(edge[0]) && (long long)(7 * i + 1) < n; i++) g[7 * i + 1] = edge[i];
    return g;
}
std::vector<float> ups(long long n, uint64_t seed, const std::vector<float>& g) {
    auto u = chk::random(n, seed, 2.f);
    for (long long i = 0; i < n; i++) {
        if (g[i] == 300.f) u[i] = 300.f;       // 90000: overflows f16
        if (g[i] == 1e-3f) u[i] = 1e-3f;       // 5e-7: an f16 subnormal
    }
    return u;
}

enum Grids { kAll, kBackendOnly, kDecoderOnly };

void run(long long n, Grids grids) {
    const bool small = grids == kAll;
    const std::string tag = " n=" + std::to_string(n);
    const auto g = gates(n, 41 + n), u = ups(n, 42 + n, g), b = chk::random(n, 43 + n, 3.f);
    std::vector<double> want(n);
    std::vector<float> want_f(n), sum(n);
    std::vector<uint16_t> want_h(n);
    for (long long i = 0; i < n; i++) {
        want[i] = (double)g[i] / (1.0 + std::exp(-(double)g[i])) * u[i];
        want_f[i] = g[i] / (1.0f + expf(-g[i])) * u[i];        // the float result, for the f16 rounding check
        want_h[i] = rne_f16(want_f[i]);
        sum[i] = (float)((double)g[i] + b[i]);
    }
    // expf, add, divide, multiply: a few float ulps; atol covers g <= -89, where expf(-g) overflows and silu is -0
    // in float (as on the CPU) but ~1e-37 in float64
    const double rtol = 1e-6, atol = 1e-30;

    if (grids != kDecoderOnly) {
        const auto o = chk::both_orders("silu_mul_f32 in place, backend grid" + tag, g, [&](std::vector<float>& x) {
            emu::launch("silu_mul_f32", silu_mul_f32, dim3(chk::backend_grid(n / 4 + 1)), dim3(256), 0, x.data(), u.data(), x.data(), n);
        });
        chk::close("silu_mul_f32 in place, CudaBackend grid" + tag, o, want, rtol, atol);
        const auto a = chk::both_orders("add_f32 in place, backend grid" + tag, g, [&](std::vector<float>& x) {
            emu::launch("add_f32", add_f32, dim3(chk::backend_grid(n / 4 + 1)), dim3(256), 0, x.data(), b.data(), x.data(), n);
        });
        exact("add_f32 in place, CudaBackend grid" + tag, a, sum);
    }
    if (grids != kBackendOnly) {
        const auto o = chk::both_orders("silu_mul_f32 in place, decoder grid" + tag, g, [&](std::vector<float>& x) {
            emu::launch("silu_mul_f32", silu_mul_f32, dim3(decoder_grid(n)), dim3(256), 0, x.data(), u.data(), x.data(), n);
        });
        chk::close("silu_mul_f32 in place, CudaDecoder grid" + tag, o, want, rtol, atol);
        const auto a = chk::both_orders("add_f32 in place, decoder grid" + tag, g, [&](std::vector<float>& x) {
            emu::launch("add_f32", add_f32, dim3(decoder_grid(n)), dim3(256), 0, x.data(), b.data(), x.data(), n);
        });
        exact("add_f32 in place, CudaDecoder grid" + tag, a, sum);
    }
    if (!small) return;
    const auto o = chk::both_orders("silu_mul_f32 separate out" + tag, chk::poisoned(n), [&](std::vector<float>& x) {
        emu::launch("silu_mul_f32", silu_mul_f32, dim3(chk::backend_grid(n / 4 + 1)), dim3(256), 0, g.data(), u.data(), x.data(), n);
    });
    chk::close("silu_mul_f32 separate poisoned out" + tag, o, want, rtol, atol);
    const auto a = chk::both_orders("add_f32 separate out" + tag, chk::poisoned(n), [&](std::vector<float>& x) {
        emu::launch("add_f32", add_f32, dim3(chk::backend_grid(n / 4 + 1)), dim3(256), 0, g.data(), b.data(), x.data(), n);
    });
    exact("add_f32 separate poisoned out" + tag, a, sum);
    const auto h = chk::both_orders("silu_mul_f32_h" + tag, std::vector<__half>(n, __half{0x7e00}), [&](std::vector<__half>& x) {
        emu::launch("silu_mul_f32_h", silu_mul_f32_h, dim3(chk::backend_grid(n)), dim3(256), 0, g.data(), u.data(), x.data(), n);
    });
    exact_bits16("silu_mul_f32_h == RNE f16 of the float result" + tag, h, want_h);
    std::vector<float> hf(n);
    std::vector<double> want_clamped(want);
    for (long long i = 0; i < n; i++) {
        hf[i] = __half2float(h[i]);
        if (std::fabs(want[i]) >= 65520.0) hf[i] = (float)want[i];   // overflow to inf checked bit-exactly above
    }
    chk::close("silu_mul_f32_h vs float64 (f16 rounding)" + tag, hf, want_clamped, 1.0 / 2048, 6e-8);
}
}  // namespace

int main() {
    for (long long n : {1LL, 2LL, 3LL, 4LL, 5LL, 7LL, 8LL, 1027LL, 5632LL, 6144LL, 16901LL}) run(n, kAll);
    run(2200003, kBackendOnly);   // CudaBackend's grid is capped at 2112 blocks: a second grid-stride pass, then the tail
    run(2101251, kDecoderOnly);   // CudaDecoder's cap of 2048 blocks, likewise
    return chk::summary("activation");
}
