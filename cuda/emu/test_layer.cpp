// layer.cu on the emulator against float64: every entry point launched as LayerKernels (CudaDecoder's lean step)
// launches it.
//   Buckets: the smallest of 1, 2, 4, 8 >= nb. Block 128. Grid: the entry's row-blocks (qkv_rope_: sum ceil(rows_i / 8);
//   the others ceil(rows / 4)), or fewer when capped (-Dminerva.cuda.layerBlocksPerSm): each case runs uncapped and
//   with 3 blocks, so blocks loop over several row-blocks (and, for qkv_rope_, across the q/k/v boundaries).
//   Dynamic shared memory: f16/bf16 nb*K*4 with the norm prologue, 0 for residual_; q8_0/q4_0 nb*K + nb*K/32*4.
// Shapes: qkv_rope_ with head_dim 20 (3 heads: 60 q rows, 1 kv head: 20 k and v rows, so every matrix ends in a
//   part-empty 8-row block) and head_dim 32 (4/2 heads); K 800 (not a multiple of the 128 threads or of 256); batch
//   rows at scattered positions and permuted cache slots. swiglu_norm_, residual_, norm_gemv_: rows 45, K 800.
// References (float64): the norm as rmsnorm's formula; for q8_0 and q4_0 (dp4a) the Q8_0-rounded activations (gemv_check.h's
//   quantize_ref) of the f32 norm values rmsnorm_f32 writes with 128 threads (the prologue's stated contract: the
//   same values, so the same int8s); RoPE with cos/sin of pos * inv_freq in double.
// Tolerance: 1e-5 * sum |w x| per dot product (gemv_check.h), plus the float rounding of the epilogue's own
//   arithmetic (RoPE's cos/sin rounded to f32, the residual add, silu's expf). Outputs start NaN; what a launch must
//   not write (other cache rows and slots, past the end of q) must still be NaN afterwards. Every launch runs in
//   both thread orders and must give identical bits.
// Prefetch (the entries' last argument, -Dminerva.cuda.layerPrefetch): with 1, the ranges asked of L2 must lie inside
//   the launch's weights and cover all of them, whether blocks take one row-block or loop over several; with 0, none.
#include "layer.cu"
#include "rmsnorm.cu"
#include "check.h"
#include "gemv_check.h"
#include <chrono>

using namespace gemvchk;

namespace {
constexpr float kEps = 1e-5f;
constexpr int kHostGrid = 0;   // no cap: one block per row-block (the host's default)

unsigned grid_of(int row_blocks, int cap) { return (unsigned)(cap > 0 ? std::min(row_blocks, cap) : row_blocks); }
size_t smem_of(DT dt, bool norm, int nb, int K) {
    if (dt == DT::Q8_0 || dt == DT::Q4_0) return (size_t)nb * K + (size_t)nb * (K / 32) * 4;
    return norm ? (size_t)nb * K * 4 : 0;
}

decltype(&qkv_rope_f16_nb1) const kQkvF16[] = NB4(qkv_rope_f16);
decltype(&qkv_rope_bf16_nb1) const kQkvBF16[] = NB4(qkv_rope_bf16);
decltype(&qkv_rope_q4_0_nb1) const kQkvQ4[] = NB4(qkv_rope_q4_0);
decltype(&qkv_rope_q8_0_nb1) const kQkvQ8[] = NB4(qkv_rope_q8_0);
decltype(&swiglu_norm_f16_nb1) const kSwF16[] = NB4(swiglu_norm_f16);
decltype(&swiglu_norm_bf16_nb1) const kSwBF16[] = NB4(swiglu_norm_bf16);
decltype(&swiglu_norm_q4_0_nb1) const kSwQ4[] = NB4(swiglu_norm_q4_0);
decltype(&swiglu_norm_q8_0_nb1) const kSwQ8[] = NB4(swiglu_norm_q8_0);
decltype(&residual_f16_nb1) const kResF16[] = NB4(residual_f16);
decltype(&residual_bf16_nb1) const kResBF16[] = NB4(residual_bf16);
decltype(&residual_q4_0_nb1) const kResQ4[] = NB4(residual_q4_0);
decltype(&residual_q8_0_nb1) const kResQ8[] = NB4(residual_q8_0);
decltype(&norm_gemv_f16_nb1) const kNgF16[] = NB4(norm_gemv_f16);
decltype(&norm_gemv_bf16_nb1) const kNgBF16[] = NB4(norm_gemv_bf16);
decltype(&norm_gemv_q4_0_nb1) const kNgQ4[] = NB4(norm_gemv_q4_0);
decltype(&norm_gemv_q8_0_nb1) const kNgQ8[] = NB4(norm_gemv_q8_0);

std::string entry(const char* kind, DT dt, int nb) { return std::string(kind) + "_" + dt_name(dt) + "_nb" + std::to_string(bucket_of(nb, 8)); }

// The activations the kernels multiply, for the float64 reference: norm rows in double (f16/bf16), or for
// q8_0 and q4_0 the Q8_0 rounding of what rmsnorm_f32 (128 threads) writes.
std::vector<float> normed_f32(const std::vector<float>& x, const std::vector<float>& g, int nb, int K) {
    std::vector<float> out((size_t)nb * K);
    emu::launch("rmsnorm_f32", rmsnorm_f32, dim3(nb), dim3(128), 0, x.data(), g.data(), out.data(), K, kEps);
    return out;
}
std::vector<double> reference_input(DT dt, const std::vector<float>& x, const std::vector<float>& g, int nb, int K, bool norm) {
    std::vector<double> r(x.size());
    if (dt == DT::Q8_0 || dt == DT::Q4_0) {
        const QX q = quantize_ref(norm ? normed_f32(x, g, nb, K) : x);
        for (size_t i = 0; i < r.size(); i++) r[i] = q.deq[i];
        return r;
    }
    for (int b = 0; b < nb; b++) {
        double ss = 0;
        for (int k = 0; k < K; k++) ss += (double)x[(size_t)b * K + k] * x[(size_t)b * K + k];
        const double s = norm ? 1.0 / std::sqrt(ss / K + kEps) : 1.0;
        for (int k = 0; k < K; k++) r[(size_t)b * K + k] = norm ? g[k] * (s * x[(size_t)b * K + k]) : x[(size_t)b * K + k];
    }
    return r;
}
// The entries' last argument. With 1, every range a launch asks L2 for (emu::on_prefetch, both thread orders) must
// lie inside the launch's weights, within the rows of a row-block the asking block takes (row-block lo + row / R of
// the launch, taken by block rb % grid), and together the ranges must cover every byte of the weights (values and
// scales); with 0, there must be none.
int g_prefetch = 1;
struct Asked { const uint8_t* p; long long n; unsigned block; };
std::vector<Asked> g_ranges;

size_t weight_bytes(const Weight& w) {
    const size_t n = (size_t)w.rows * w.K;
    return w.dt == DT::Q8_0 ? n / 32 * MINERVA_Q8_0_BYTES : w.dt == DT::Q4_0 ? n / 32 * MINERVA_Q4_0_BYTES : n * 2;
}
// the row of byte `off` of w's device bytes (values, then for Q8_0/Q4_0 the scales)
int row_of(const Weight& w, size_t off) {
    const size_t values = w.dt == DT::Q8_0 ? (size_t)w.K : w.dt == DT::Q4_0 ? (size_t)w.K / 2 : (size_t)w.K * 2;
    if (off < values * w.rows) return (int)(off / values);
    return (int)((off - values * w.rows) / (w.K / 32 * 2));
}

// A weight of the launch: its rows are in row-blocks of R from the launch's row-block lo on.
struct Part { const Weight* w; int R, lo; };

void prefetched(const std::string& what, unsigned grid, std::initializer_list<Part> parts) {
    std::vector<std::vector<bool>> cover;
    for (const Part& m : parts) cover.emplace_back(weight_bytes(*m.w), false);
    std::string bad;
    if (!g_prefetch && !g_ranges.empty()) bad = "prefetched " + std::to_string(g_ranges.size()) + " ranges with prefetch 0";
    for (const Asked& a : g_ranges) {
        size_t i = 0;
        for (const Part& m : parts) {
            const uint8_t* base = m.w->dev.data();
            if (a.p >= base && a.n > 0 && a.p + a.n <= base + cover[i].size()) {
                const size_t off = a.p - base;
                for (long long b = 0; b < a.n; b++) cover[i][off + b] = true;
                const int first = row_of(*m.w, off), last = row_of(*m.w, off + a.n - 1);
                if (first / m.R != last / m.R || (m.lo + first / m.R) % grid != a.block) {
                    bad = "block " + std::to_string(a.block) + " prefetched rows " + std::to_string(first) + ".." + std::to_string(last) + " of weight " + std::to_string(i);
                }
                break;
            }
            i++;
        }
        if (i == parts.size()) bad = "prefetched " + std::to_string(a.n) + " bytes outside the weights";
    }
    for (size_t i = 0; i < cover.size() && g_prefetch && bad.empty(); i++) {
        const size_t miss = std::count(cover[i].begin(), cover[i].end(), false);
        if (miss) bad = "weight " + std::to_string(i) + ": " + std::to_string(miss) + " of " + std::to_string(cover[i].size()) + " bytes not prefetched";
    }
    if (!bad.empty()) {
        std::printf("FAIL %-58s %s\n", what.c_str(), bad.c_str());
        chk::failures()++;
    }
    g_ranges.clear();
}

// Every element outside [lo, hi) ranges must still be the NaN poison.
void untouched(const std::string& what, const std::vector<float>& out, const std::vector<std::pair<size_t, size_t>>& written) {
    const float nan = std::nanf("");
    std::vector<bool> w(out.size(), false);
    for (auto [lo, hi] : written) for (size_t i = lo; i < hi; i++) w[i] = true;
    for (size_t i = 0; i < out.size(); i++)
        if (!w[i] && std::memcmp(&out[i], &nan, 4) != 0) {
            std::printf("FAIL %-58s wrote element %zu, outside its outputs (%g)\n", what.c_str(), i, out[i]);
            chk::failures()++;
            return;
        }
}

// ---- qkv_rope_: q (nb, dim) | guard | kcache (slots, cap, kv_dim) | vcache, all one poisoned buffer
void qkv_rope(DT dt, int nb, int n_heads, int n_kv, int hd, int K, int cap) {
    const int rows0 = n_heads * hd, rows1 = n_kv * hd, kSlots = 8, kCap = 40;
    const Weight wq = make_weight(dt, rows0, K, 11 + rows0), wk = make_weight(dt, rows1, K, 22 + rows1), wv = make_weight(dt, rows1, K, 33 + rows1);
    const auto x = chk::random((size_t)nb * K, 44 + nb, 3.f), g = chk::random(K, 55);
    const int pos_all[8] = {3, 0, 17, 39, 9, 1, 30, 12}, slot_all[8] = {2, 0, 7, 1, 5, 3, 6, 4};
    const std::vector<int> pos(pos_all, pos_all + nb), slots(slot_all, slot_all + nb);
    std::vector<float> inv_freq(hd / 2);
    for (int i = 0; i < hd / 2; i++) inv_freq[i] = (float)std::pow(10000.0, -2.0 * i / hd);
    const long long slot_stride = (long long)kCap * rows1;
    const size_t nq = (size_t)nb * rows0, cache = (size_t)kSlots * kCap * rows1;
    const size_t koff = nq + kGuard, voff = koff + cache;

    const std::vector<double> xr = reference_input(dt, x, g, nb, K, true);
    const Ref ref[3] = {reference(wq, xr, nb), reference(wk, xr, nb), reference(wv, xr, nb)};
    // expected values at their buffer positions, with bounds
    std::vector<double> want, bound;
    std::vector<size_t> at;
    std::vector<std::pair<size_t, size_t>> written;
    for (int m = 0; m < 3; m++) {
        const int rows = m == 0 ? rows0 : rows1;
        for (int b = 0; b < nb; b++) {
            const size_t base = m == 0 ? (size_t)b * rows0 : (m == 1 ? koff : voff) + slots[b] * slot_stride + (size_t)pos[b] * rows1;
            written.push_back({base, base + rows});
            for (int r = 0; r < rows; r += 2) {
                const double a = ref[m].y[(size_t)b * rows + r], c2 = ref[m].y[(size_t)b * rows + r + 1];
                const double ma = ref[m].mag[(size_t)b * rows + r], mb = ref[m].mag[(size_t)b * rows + r + 1];
                double wa = a, wb = c2, slack = 0;
                if (m < 2) {
                    const double ang = (double)pos[b] * (double)inv_freq[(r % hd) / 2];
                    wa = a * std::cos(ang) - c2 * std::sin(ang);
                    wb = a * std::sin(ang) + c2 * std::cos(ang);
                    slack = 2e-7 * (std::fabs(a) + std::fabs(c2));   // cos/sin rounded to f32, two products, one sum
                }
                for (int j = 0; j < 2; j++) {
                    at.push_back(base + r + j);
                    want.push_back(j ? wb : wa);
                    bound.push_back(kRel * (m < 2 ? ma + mb : (j ? mb : ma)) + slack + 1e-30);
                }
            }
        }
    }
    const int n_rb = (rows0 + 7) / 8 + 2 * ((rows1 + 7) / 8);
    const dim3 grid(grid_of(n_rb, cap)), b128(128);
    const size_t smem = smem_of(dt, true, nb, K);
    const int s = slot_of(bucket_of(nb, 8));
    const std::string name = entry("qkv_rope", dt, nb);
    const std::string shape = " nb " + std::to_string(nb) + " heads " + std::to_string(n_heads) + "/" + std::to_string(n_kv) + " hd " +
                              std::to_string(hd) + " K " + std::to_string(K) + " grid " + std::to_string(grid.x);
    auto out = chk::both_orders(name + shape, chk::poisoned(voff + cache), [&](std::vector<float>& o) {
        float *q = o.data(), *kc = o.data() + koff, *vc = o.data() + voff;
        const char* nm = name.c_str();
        switch (dt) {
            case DT::F16: emu::launch(nm, kQkvF16[s], grid, b128, smem, as<__half>(wptr(wq)), as<__half>(wptr(wk)), as<__half>(wptr(wv)), x.data(), g.data(), kEps, q, kc, vc, pos.data(), slots.data(), slot_stride, inv_freq.data(), rows0, rows1, rows1, K, nb, hd, g_prefetch); break;
            case DT::BF16: emu::launch(nm, kQkvBF16[s], grid, b128, smem, as<__nv_bfloat16>(wptr(wq)), as<__nv_bfloat16>(wptr(wk)), as<__nv_bfloat16>(wptr(wv)), x.data(), g.data(), kEps, q, kc, vc, pos.data(), slots.data(), slot_stride, inv_freq.data(), rows0, rows1, rows1, K, nb, hd, g_prefetch); break;
            case DT::Q4_0: emu::launch(nm, kQkvQ4[s], grid, b128, smem, as<uint8_t>(wptr(wq)), wscales(wq), as<uint8_t>(wptr(wk)), wscales(wk), as<uint8_t>(wptr(wv)), wscales(wv), x.data(), g.data(), kEps, q, kc, vc, pos.data(), slots.data(), slot_stride, inv_freq.data(), rows0, rows1, rows1, K, nb, hd, g_prefetch); break;
            case DT::Q8_0: emu::launch(nm, kQkvQ8[s], grid, b128, smem, as<int8_t>(wptr(wq)), wscales(wq), as<int8_t>(wptr(wk)), wscales(wk), as<int8_t>(wptr(wv)), wscales(wv), x.data(), g.data(), kEps, q, kc, vc, pos.data(), slots.data(), slot_stride, inv_freq.data(), rows0, rows1, rows1, K, nb, hd, g_prefetch); break;
            default: break;
        }
    });
    std::vector<float> got(at.size());
    for (size_t i = 0; i < at.size(); i++) got[i] = out[at[i]];
    close_bound(name + shape, got.data(), want, bound);
    untouched(name + shape, out, written);
    const int n0 = (rows0 + 7) / 8, n1 = (rows1 + 7) / 8;
    prefetched(name + shape, grid.x, {{&wq, 8, 0}, {&wk, 8, n0}, {&wv, 8, n0 + n1}});
}

// ---- swiglu_norm_: h (nb, rows) | guard
void swiglu_norm(DT dt, int nb, int rows, int K, int cap) {
    const Weight wg = make_weight(dt, rows, K, 66 + rows), wu = make_weight(dt, rows, K, 77 + rows);
    const auto x = chk::random((size_t)nb * K, 88 + nb, 2.f), g = chk::random(K, 99);
    const std::vector<double> xr = reference_input(dt, x, g, nb, K, true);
    const Ref rg = reference(wg, xr, nb), ru = reference(wu, xr, nb);
    std::vector<double> want(rg.y.size()), bound(rg.y.size());
    for (size_t i = 0; i < want.size(); i++) {   // as test_gemv's swiglu: |silu'| <= 1.1, expf ~1e-7 |h|
        const double sg = rg.y[i] / (1 + std::exp(-rg.y[i]));
        want[i] = sg * ru.y[i];
        bound[i] = kRel * (1.1 * std::fabs(ru.y[i]) * rg.mag[i] + std::fabs(sg) * ru.mag[i]) + 1e-6 * std::fabs(want[i]) + 1e-30;
    }
    const dim3 grid(grid_of((rows + 3) / 4, cap)), b128(128);
    const size_t smem = smem_of(dt, true, nb, K);
    const int s = slot_of(bucket_of(nb, 8));
    const std::string name = entry("swiglu_norm", dt, nb);
    const std::string shape = " nb " + std::to_string(nb) + " rows " + std::to_string(rows) + " K " + std::to_string(K) + " grid " + std::to_string(grid.x);
    auto out = chk::both_orders(name + shape, chk::poisoned(want.size() + kGuard), [&](std::vector<float>& o) {
        const char* nm = name.c_str();
        switch (dt) {
            case DT::F16: emu::launch(nm, kSwF16[s], grid, b128, smem, as<__half>(wptr(wg)), as<__half>(wptr(wu)), x.data(), g.data(), kEps, o.data(), rows, K, nb, g_prefetch); break;
            case DT::BF16: emu::launch(nm, kSwBF16[s], grid, b128, smem, as<__nv_bfloat16>(wptr(wg)), as<__nv_bfloat16>(wptr(wu)), x.data(), g.data(), kEps, o.data(), rows, K, nb, g_prefetch); break;
            case DT::Q4_0: emu::launch(nm, kSwQ4[s], grid, b128, smem, as<uint8_t>(wptr(wg)), wscales(wg), as<uint8_t>(wptr(wu)), wscales(wu), x.data(), g.data(), kEps, o.data(), rows, K, nb, g_prefetch); break;
            case DT::Q8_0: emu::launch(nm, kSwQ8[s], grid, b128, smem, as<int8_t>(wptr(wg)), wscales(wg), as<int8_t>(wptr(wu)), wscales(wu), x.data(), g.data(), kEps, o.data(), rows, K, nb, g_prefetch); break;
            default: break;
        }
    });
    close_bound(name + shape, out.data(), want, bound);
    guard_ok(name + shape, out, want.size());
    prefetched(name + shape, grid.x, {{&wg, 4, 0}, {&wu, 4, 0}});
}

// ---- residual_ (y += W . x, no norm) and norm_gemv_ (y = W . rmsnorm(x) * g): y (nb, rows) | guard
void plain_rows(bool residual, DT dt, int nb, int rows, int K, int cap) {
    const Weight w = make_weight(dt, rows, K, (residual ? 111 : 122) + rows);
    const auto x = chk::random((size_t)nb * K, 133 + nb, 2.f), g = chk::random(K, 144);
    const auto y0 = chk::random((size_t)nb * rows, 155 + nb);
    const std::vector<double> xr = reference_input(dt, x, g, nb, K, !residual);
    const Ref r = reference(w, xr, nb);
    std::vector<double> want(r.y.size()), bound(r.y.size());
    for (size_t i = 0; i < want.size(); i++) {
        want[i] = (residual ? y0[i] : 0.0) + r.y[i];
        bound[i] = kRel * r.mag[i] + (residual ? 1e-7 * std::fabs(want[i]) : 0.0) + 1e-30;   // the add's rounding
    }
    const dim3 grid(grid_of((rows + 3) / 4, cap)), b128(128);
    const size_t smem = smem_of(dt, !residual, nb, K);
    const int s = slot_of(bucket_of(nb, 8));
    const std::string name = entry(residual ? "residual" : "norm_gemv", dt, nb);
    const std::string shape = " nb " + std::to_string(nb) + " rows " + std::to_string(rows) + " K " + std::to_string(K) + " grid " + std::to_string(grid.x);
    std::vector<float> init = chk::poisoned(want.size() + kGuard);
    if (residual) std::copy(y0.begin(), y0.end(), init.begin());
    auto out = chk::both_orders(name + shape, init, [&](std::vector<float>& o) {
        const char* nm = name.c_str();
        float* y = o.data();
        if (residual) switch (dt) {
            case DT::F16: emu::launch(nm, kResF16[s], grid, b128, smem, as<__half>(wptr(w)), x.data(), y, rows, K, nb, g_prefetch); break;
            case DT::BF16: emu::launch(nm, kResBF16[s], grid, b128, smem, as<__nv_bfloat16>(wptr(w)), x.data(), y, rows, K, nb, g_prefetch); break;
            case DT::Q4_0: emu::launch(nm, kResQ4[s], grid, b128, smem, as<uint8_t>(wptr(w)), wscales(w), x.data(), y, rows, K, nb, g_prefetch); break;
            case DT::Q8_0: emu::launch(nm, kResQ8[s], grid, b128, smem, as<int8_t>(wptr(w)), wscales(w), x.data(), y, rows, K, nb, g_prefetch); break;
            default: break;
        } else switch (dt) {
            case DT::F16: emu::launch(nm, kNgF16[s], grid, b128, smem, as<__half>(wptr(w)), x.data(), g.data(), kEps, y, rows, K, nb, g_prefetch); break;
            case DT::BF16: emu::launch(nm, kNgBF16[s], grid, b128, smem, as<__nv_bfloat16>(wptr(w)), x.data(), g.data(), kEps, y, rows, K, nb, g_prefetch); break;
            case DT::Q4_0: emu::launch(nm, kNgQ4[s], grid, b128, smem, as<uint8_t>(wptr(w)), wscales(w), x.data(), g.data(), kEps, y, rows, K, nb, g_prefetch); break;
            case DT::Q8_0: emu::launch(nm, kNgQ8[s], grid, b128, smem, as<int8_t>(wptr(w)), wscales(w), x.data(), g.data(), kEps, y, rows, K, nb, g_prefetch); break;
            default: break;
        }
    });
    close_bound(name + shape, out.data(), want, bound);
    guard_ok(name + shape, out, want.size());
    prefetched(name + shape, grid.x, {{&w, 4, 0}});
}
}  // namespace

int main() {
    const auto t0 = std::chrono::steady_clock::now();
    emu::on_prefetch = [](const void* p, long long n) { g_ranges.push_back({static_cast<const uint8_t*>(p), n, blockIdx.x}); };
    for (DT dt : {DT::F16, DT::BF16, DT::Q4_0, DT::Q8_0}) {
        for (int cap : {kHostGrid, 3}) {
            for (int nb : {1, 3, 8}) qkv_rope(dt, nb, 3, 1, 20, 800, cap);
            qkv_rope(dt, 2, 4, 2, 32, 800, cap);
            for (int nb : {1, 5}) swiglu_norm(dt, nb, 45, 800, cap);
            for (int nb : {1, 3, 8}) plain_rows(true, dt, nb, 45, 800, cap);
            for (int nb : {2, 8}) plain_rows(false, dt, nb, 45, 800, cap);
        }
    }
    g_prefetch = 0;                          // and without: the same values, nothing prefetched
    for (DT dt : {DT::F16, DT::Q8_0}) {
        qkv_rope(dt, 3, 3, 1, 20, 800, 3);
        swiglu_norm(dt, 1, 45, 800, kHostGrid);
        plain_rows(true, dt, 3, 45, 800, 3);
        plain_rows(false, dt, 2, 45, 800, kHostGrid);
    }
    std::printf("(%.1f s)\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    return chk::summary("layer");
}
