// check.h — what the emulator tests share: seeded inputs, float64 comparisons that print the worst element
// (llm.c style: what, index, got, want, max diff), and running a launch under both thread orders.
#pragma once
#include "minerva_emu.h"
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace chk {
inline int& failures() { static int f = 0; return f; }

struct Rng {
    uint64_t s;
    explicit Rng(uint64_t seed) : s(seed * 0x9E3779B97F4A7C15ull + 1) {}
    uint64_t next() { s += 0x9E3779B97F4A7C15ull; uint64_t z = s; z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
                      z = (z ^ (z >> 27)) * 0x94D049BB133111EBull; return z ^ (z >> 31); }
    float uniform() { return (float)((next() >> 40) * (1.0 / 16777216.0)); }            // [0, 1)
    float sym() { return 2.f * uniform() - 1.f; }                                        // [-1, 1)
    int below(int n) { return (int)(next() % (uint64_t)n); }
};
inline std::vector<float> random(size_t n, uint64_t seed, float scale = 1.f) {
    Rng r(seed);
    std::vector<float> v(n);
    for (float& x : v) x = scale * r.sym();
    return v;
}
inline std::vector<float> poisoned(size_t n) { return std::vector<float>(n, std::nanf("")); }

// |got - want| <= atol + rtol * |want| everywhere (NaN fails); prints the worst element.
inline bool close(const std::string& what, const float* got, const double* want, size_t n, double rtol, double atol) {
    double worst = -1, maxdiff = 0;
    size_t at = 0;
    bool bad = false;
    for (size_t i = 0; i < n; i++) {
        const double d = std::fabs((double)got[i] - want[i]);
        const double excess = std::isnan(d) ? INFINITY : d - (atol + rtol * std::fabs(want[i]));
        if (!std::isnan(d)) maxdiff = std::max(maxdiff, d);
        if (excess > worst) { worst = excess; at = i; }
        if (excess > 0) bad = true;
    }
    std::printf("%-4s %-58s n=%-7zu max|diff| %.3e  worst [%zu] got %.7g want %.7g\n", bad ? "FAIL" : "ok", what.c_str(),
                n, maxdiff, at, n ? got[at] : 0.f, n ? want[at] : 0.0);
    if (bad) failures()++;
    return !bad;
}
inline bool close(const std::string& what, const std::vector<float>& got, const std::vector<double>& want, double rtol,
                  double atol) {
    if (got.size() != want.size()) { std::printf("FAIL %s: %zu values, want %zu\n", what.c_str(), got.size(), want.size()); failures()++; return false; }
    return close(what, got.data(), want.data(), got.size(), rtol, atol);
}
inline bool equal_bits(const std::string& what, const void* a, const void* b, size_t bytes) {
    if (std::memcmp(a, b, bytes) == 0) return true;
    size_t i = 0;
    while (((const unsigned char*)a)[i] == ((const unsigned char*)b)[i]) i++;
    std::printf("FAIL %-58s forward and reverse thread order differ at byte %zu: a race on shared memory?\n", what.c_str(), i);
    failures()++;
    return false;
}

// Runs `launch` (which writes its outputs into `out`, starting from the same inputs each time) in forward then
// reverse thread order and requires the two outputs to be bit-identical. Returns the forward result.
template <class T, class F>
std::vector<T> both_orders(const std::string& what, const std::vector<T>& initial, F launch) {
    std::vector<T> fwd = initial, rev = initial;
    emu::set_order(emu::Order::Forward);
    launch(fwd);
    emu::set_order(emu::Order::Reverse);
    launch(rev);
    emu::set_order(emu::Order::Forward);
    equal_bits(what, fwd.data(), rev.data(), fwd.size() * sizeof(T));
    return fwd;
}

inline int summary(const char* suite) {
    std::printf("%s: %s (%d failing)\n", suite, failures() ? "FAILED" : "passed", failures());
    return failures() ? 1 : 0;
}

inline uint16_t f16(float f) { return emu::float_to_half(f); }
inline float f16f(float f) { return emu::half_to_float(emu::float_to_half(f)); }   // rounded through f16
inline float bf16f(float f) { return emu::bf16_to_float(emu::float_to_bf16(f)); }

// CudaBackend.grid: blocks of 256 for a grid-stride kernel, at most 16 per SM (132 SMs: an H100).
inline int backend_grid(long long n, int sms = 132) { return (int)std::max(1LL, std::min((n + 255) / 256, 16LL * sms)); }

// QuantSplit.of, ported: ggml Q8_0/Q4_0 blocks (f16 scale, then 32 or 16 value bytes) rearranged into one buffer of
// the values of every block followed by the 2-byte scales, the layout CudaBackend uploads (same byte count).
inline void quant_split(const uint8_t* blocks, size_t nblocks, int block_bytes, uint8_t* out) {
    const size_t vb = block_bytes - 2;
    for (size_t b = 0; b < nblocks; b++) {
        out[nblocks * vb + 2 * b] = blocks[b * block_bytes];
        out[nblocks * vb + 2 * b + 1] = blocks[b * block_bytes + 1];
        std::memcpy(out + b * vb, blocks + b * block_bytes + 2, vb);
    }
}

// Reference conversions written apart from the emulator's (minerva_emu.h), so that a test of a conversion kernel
// does not compare the emulator with itself: values as mantissa * 2^exponent in double, rounding with nearbyint.
namespace ref {
// float64 -> f16 bits, round to nearest even (x is exact: a float or an exact product).
inline uint16_t rne_f16(double v) {
    const uint16_t sign = std::signbit(v) ? 0x8000 : 0;
    const double x = std::fabs(v);
    if (std::isnan(v)) return sign | 0x7e00;
    if (x >= 65520.0) return sign | 0x7c00;
    if (x < std::ldexp(1.0, -14)) return sign | (uint16_t)std::nearbyint(std::ldexp(x, 24));
    int e;
    std::frexp(x, &e);
    const double q = std::nearbyint(std::ldexp(x, 11 - e));
    return sign | (uint16_t)(((e - 1 + 15) << 10) + ((int)q - 1024));
}
inline uint16_t rne_bf16(float f) {
    const uint16_t sign = std::signbit(f) ? 0x8000 : 0;
    const double x = std::fabs((double)f);
    if (std::isnan(f)) return sign | 0x7fc0;
    if (std::isinf(f)) return sign | 0x7f80;
    if (x < std::ldexp(1.0, -126)) return sign | (uint16_t)std::nearbyint(std::ldexp(x, 133));
    int e;
    std::frexp(x, &e);
    const double q = std::nearbyint(std::ldexp(x, 8 - e));                  // 8 significant bits, [128, 256]
    return sign | (uint16_t)(((e - 1 + 127) << 7) + ((int)q - 128));        // 0x7f80 (inf) when the top binade carries
}
inline double f16_value(uint16_t h) {
    const int s = h >> 15, e = (h >> 10) & 31, m = h & 1023;
    const double v = e == 0 ? std::ldexp(m, -24) : e == 31 ? (m ? NAN : INFINITY) : std::ldexp(1024 + m, e - 25);
    return s ? -v : v;
}
inline double bf16_value(uint16_t b) {
    const int s = b >> 15, e = (b >> 7) & 255, m = b & 127;
    const double v = e == 0 ? std::ldexp(m, -133) : e == 255 ? (m ? NAN : INFINITY) : std::ldexp(128 + m, e - 134);
    return s ? -v : v;
}
}  // namespace ref
}  // namespace chk
