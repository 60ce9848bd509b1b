// convert.cu on the emulator, bit-exact against independent conversions written here (not the emulator's):
//   f32_to_f16, f32_to_bf16: round to nearest even; specials (NaN stays NaN, +-inf, -0), halfway ties, the f16
//     overflow edge (65504, 65519.99 -> 65504, 65520 -> inf), f16 subnormals and their ties, bf16's overflow tie,
//     float subnormals, and random floats over every exponent and over raw bit patterns;
//   f16_to_f32, bf16_to_f32: all 65536 patterns;
//   dequant_q8_0_split_f16, dequant_q4_0_split_f16: RNE f16 of the exact q*d / (q-8)*d, from ggml blocks packed into
//     the split layout by a port of QuantSplit.of (so a layout slip shows), subnormal and overflowing products included.
// Launches as CudaBackend.gemm: grid = max(1, min((n+255)/256, 132*16)), block 256; Q8_0 scales at byte offset
// rows*K of the weight buffer, Q4_0's at rows*K/2. f16_to_f32 / bf16_to_f32 have no host caller: same grid rule.
// One conversion is big enough (n > 2112*256) for the capped grid to stride.
#include "convert.cu"
#include "check.h"

namespace {
using chk::ref::rne_f16; using chk::ref::rne_bf16; using chk::ref::f16_value; using chk::ref::bf16_value;

bool is_nan16(uint16_t h) { return (h & 0x7fff) > 0x7c00; }
bool is_nan_bf16(uint16_t b) { return (b & 0x7fff) > 0x7f80; }

template <class H>
void exact16(const std::string& what, const std::vector<H>& got, const std::vector<uint16_t>& want, const std::vector<float>* in,
             bool (*is_nan)(uint16_t)) {
    size_t bad = 0, first = 0;
    for (size_t i = 0; i < got.size(); i++) {
        const uint16_t g = got[i].__x;
        if (g != want[i] && !(is_nan(g) && is_nan(want[i]))) { if (!bad) first = i; bad++; }
    }
    std::printf("%-4s %-58s n=%-7zu mismatches %zu  first [%zu] in %.9g got 0x%04x want 0x%04x\n", bad ? "FAIL" : "ok",
                what.c_str(), got.size(), bad, first, in && !in->empty() ? (*in)[first] : 0.f, got.empty() ? 0 : got[first].__x,
                want.empty() ? 0 : want[first]);
    if (bad) chk::failures()++;
}
void exact32(const std::string& what, const std::vector<float>& got, const std::vector<double>& want) {
    size_t bad = 0, first = 0;
    for (size_t i = 0; i < got.size(); i++) {
        const bool same = std::isnan(want[i]) ? std::isnan(got[i]) : emu::f2u(got[i]) == emu::f2u((float)want[i]);
        if (!same) { if (!bad) first = i; bad++; }
    }
    std::printf("%-4s %-58s n=%-7zu mismatches %zu  first [%zu] got %.9g want %.9g\n", bad ? "FAIL" : "ok", what.c_str(),
                got.size(), bad, first, got.empty() ? 0.f : got[first], want.empty() ? 0.0 : want[first]);
    if (bad) chk::failures()++;
}

// Inputs for the float -> half conversions: edges first, then random magnitudes over [2^-30, 2^20] and raw patterns.
std::vector<float> conversion_inputs(size_t n) {
    const float p = std::ldexp(1.f, 0);
    std::vector<float> v = {
        0.f, -0.f, INFINITY, -INFINITY, NAN, -NAN, 1.f, -1.f,
        65504.f, 65519.99f, 65520.f, -65520.f, 65536.f, 1e10f, FLT_MAX, -FLT_MAX,
        p + std::ldexp(1.f, -11), p + 3 * std::ldexp(1.f, -11), p + std::ldexp(1.f, -11) + std::ldexp(1.f, -20),   // f16 ties
        p + std::ldexp(1.f, -8), p + 3 * std::ldexp(1.f, -8), p + std::ldexp(1.f, -8) + std::ldexp(1.f, -20),      // bf16 ties
        std::ldexp(1.f, -14), std::ldexp(1.f, -14) - std::ldexp(1.f, -25), std::ldexp(1.f, -24), std::ldexp(1.f, -25),
        3 * std::ldexp(1.f, -25), std::ldexp(1.f, -25) + std::ldexp(1.f, -40), std::ldexp(1.f, -26), 1e-10f, -6e-8f,
        emu::u2f(0x7f7f8000u), emu::u2f(0x7f7f7fffu), emu::u2f(0xff7f8000u), emu::u2f(0x00000001u), emu::u2f(0x00400000u),
        emu::u2f(0x807fffffu), emu::u2f(0x00018000u), emu::u2f(0x00008000u), emu::u2f(0x7fa00001u) /* signalling NaN */};
    chk::Rng r(51);
    while (v.size() < n) {
        if (v.size() % 4 == 3) v.push_back(emu::u2f((uint32_t)r.next()));
        else v.push_back((r.uniform() < 0.5f ? -1.f : 1.f) * std::ldexp(1.f + r.uniform(), -30 + r.below(51)));
    }
    v.resize(n);
    return v;
}

void float_to_half(size_t n) {
    const auto in = conversion_inputs(n);
    const std::string tag = " n=" + std::to_string(n) + " grid " + std::to_string(chk::backend_grid(n));
    std::vector<uint16_t> want(n), want_b(n);
    for (size_t i = 0; i < n; i++) { want[i] = rne_f16(in[i]); want_b[i] = rne_bf16(in[i]); }
    const auto h = chk::both_orders("f32_to_f16" + tag, std::vector<__half>(n, __half{0x7e01}), [&](std::vector<__half>& o) {
        emu::launch("f32_to_f16", f32_to_f16, dim3(chk::backend_grid(n)), dim3(256), 0, in.data(), o.data(), (long long)n);
    });
    exact16("f32_to_f16 (RNE)" + tag, h, want, &in, is_nan16);
    const auto b = chk::both_orders("f32_to_bf16" + tag, std::vector<__nv_bfloat16>(n, __nv_bfloat16{0x7fc1}),
                                    [&](std::vector<__nv_bfloat16>& o) {
        emu::launch("f32_to_bf16", f32_to_bf16, dim3(chk::backend_grid(n)), dim3(256), 0, in.data(), o.data(), (long long)n);
    });
    exact16("f32_to_bf16 (RNE)" + tag, b, want_b, &in, is_nan_bf16);
}

void half_to_float() {
    const long long n = 65536;
    std::vector<__half> h(n);
    std::vector<__nv_bfloat16> b(n);
    std::vector<double> wh(n), wb(n);
    for (long long i = 0; i < n; i++) {
        h[i].__x = b[i].__x = (uint16_t)i;
        wh[i] = f16_value((uint16_t)i);
        wb[i] = bf16_value((uint16_t)i);
    }
    exact32("f16_to_f32 all 65536 patterns", chk::both_orders("f16_to_f32", chk::poisoned(n), [&](std::vector<float>& o) {
        emu::launch("f16_to_f32", f16_to_f32, dim3(chk::backend_grid(n)), dim3(256), 0, h.data(), o.data(), n);
    }), wh);
    exact32("bf16_to_f32 all 65536 patterns", chk::both_orders("bf16_to_f32", chk::poisoned(n), [&](std::vector<float>& o) {
        emu::launch("bf16_to_f32", bf16_to_f32, dim3(chk::backend_grid(n)), dim3(256), 0, b.data(), o.data(), n);
    }), wb);
}

// ggml blocks (f16 d, then 32 int8 / 16 nibble bytes), QuantSplit'd into one buffer: values, then scales.
void dequant(int rows, int K, bool q4) {
    const int bb = q4 ? MINERVA_Q4_0_BYTES : MINERVA_Q8_0_BYTES;
    const long long n = (long long)rows * K, nb = n / 32;
    chk::Rng r(q4 ? 62 : 61);
    std::vector<uint8_t> blocks(nb * bb);
    for (long long k = 0; k < nb; k++) {
        uint8_t* blk = &blocks[k * bb];
        uint16_t d = chk::f16((r.uniform() < 0.5f ? -1.f : 1.f) * std::ldexp(1.f + r.uniform(), -14 + r.below(14)));
        if (k % 11 == 5) d = (uint16_t)(r.below(1024) | (r.below(2) << 15));         // subnormal (or zero) scale
        if (k % 13 == 7) d = (uint16_t)(0x7800 + r.below(0x3ff));                     // >= 32768: products overflow f16
        blk[0] = (uint8_t)(d & 0xff);
        blk[1] = (uint8_t)(d >> 8);
        for (int j = 2; j < bb; j++) blk[j] = (uint8_t)r.below(256);
    }
    std::vector<uint8_t> split(blocks.size());
    chk::quant_split(blocks.data(), nb, bb, split.data());
    std::vector<uint16_t> want(n);
    for (long long b = 0; b < nb; b++) {
        const uint8_t* blk = &blocks[b * bb];
        const double d = f16_value((uint16_t)(blk[0] | blk[1] << 8));
        for (int j = 0; j < 32; j++) {
            const int q = q4 ? ((j < 16 ? blk[2 + j] & 15 : blk[2 + j - 16] >> 4) - 8) : (int8_t)blk[2 + j];
            want[b * 32 + j] = rne_f16(q * d);                                       // exact product, rounded once
        }
    }
    const std::string name = q4 ? "dequant_q4_0_split_f16" : "dequant_q8_0_split_f16";
    const std::string tag = " " + std::to_string(rows) + "x" + std::to_string(K);
    const long long scales_at = q4 ? n / 2 : n;   // CudaBackend.gemm: ptr(w, wn) / ptr(w, wn / 2)
    const auto o = chk::both_orders(name + tag, std::vector<__half>(n, __half{0x7e01}), [&](std::vector<__half>& out) {
        if (q4)
            emu::launch("dequant_q4_0_split_f16", dequant_q4_0_split_f16, dim3(chk::backend_grid(n)), dim3(256), 0, split.data(),
                        (const __half*)(split.data() + scales_at), out.data(), n);
        else
            emu::launch("dequant_q8_0_split_f16", dequant_q8_0_split_f16, dim3(chk::backend_grid(n)), dim3(256), 0, (const int8_t*)split.data(),
                        (const __half*)(split.data() + scales_at), out.data(), n);
    });
    exact16(name + " == RNE f16 of q*d" + tag, o, want, nullptr, is_nan16);
}
}  // namespace

int main() {
    float_to_half(1);
    float_to_half(1000);
    float_to_half(600001);     // > 2112*256: the capped grid strides
    half_to_float();
    for (bool q4 : {false, true}) {
        dequant(1, 32, q4);
        dequant(7, 96, q4);
        dequant(64, 2048, q4);
    }
    return chk::summary("convert");
}
