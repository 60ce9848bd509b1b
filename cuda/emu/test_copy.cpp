// copy.cu on the emulator: copy_f32 and copy_f32x4 must copy every bit (NaN payloads included) of exactly n floats
// (n4 float4s) and write nothing past them.
// Launch as GpuCheck's bandwidth benchmark (the only host caller, copy_f32x4): grid = 8 x SMs, block 256 — here
// 8 x 132 (H100), with n past grid*256 so the grid-stride loop runs several passes, and 8 x 2 SMs for short and
// ragged lengths. copy_f32 has no host caller: the same launch (README: grid-stride, block 256, grid 8 x SMs).
#include "copy.cu"
#include "check.h"

namespace {
const uint32_t kGuard = 0x7fbadbadu;   // a NaN pattern nobody copies

std::vector<float> raw_bits(size_t n, uint64_t seed) {
    chk::Rng r(seed);
    std::vector<float> v(n);
    for (float& x : v) x = emu::u2f((uint32_t)r.next());   // any pattern, NaNs with payloads included
    return v;
}

void check(const std::string& what, const std::vector<float>& got, const std::vector<float>& src, size_t n) {
    size_t bad = 0, first = 0, stray = 0;
    for (size_t i = 0; i < n; i++)
        if (emu::f2u(got[i]) != emu::f2u(src[i])) { if (!bad) first = i; bad++; }
    for (size_t i = n; i < got.size(); i++) stray += emu::f2u(got[i]) != kGuard;
    std::printf("%-4s %-58s n=%-7zu mismatches %zu (first [%zu])  writes past n %zu\n", bad || stray ? "FAIL" : "ok",
                what.c_str(), n, bad, first, stray);
    if (bad || stray) chk::failures()++;
}

void run(long long n, int sms) {
    const int grid = 8 * sms;
    const std::string tag = " n=" + std::to_string(n) + " grid " + std::to_string(grid);
    const auto src = raw_bits((size_t)n + 64, 70 + n);
    const std::vector<float> guarded((size_t)n + 64, emu::u2f(kGuard));
    check("copy_f32" + tag, chk::both_orders("copy_f32" + tag, guarded, [&](std::vector<float>& d) {
        emu::launch("copy_f32", copy_f32, dim3(grid), dim3(256), 0, src.data(), d.data(), n);
    }), src, (size_t)n);
    const long long n4 = n / 4;
    check("copy_f32x4 n4=" + std::to_string(n4) + tag, chk::both_orders("copy_f32x4" + tag, guarded, [&](std::vector<float>& d) {
        emu::launch("copy_f32x4", copy_f32x4, dim3(grid), dim3(256), 0, (const float4*)src.data(), (float4*)d.data(), n4);
    }), src, (size_t)(4 * n4));
}
}  // namespace

int main() {
    for (long long n : {1LL, 4LL, 7LL, 4095LL, 4096LL, 4097LL, 40003LL}) run(n, 2);   // 16 blocks: strides from 4096 on
    run(1000003, 132);                                                               // H100: 1056 blocks (copy_f32: ~4 passes)
    return chk::summary("copy");
}
