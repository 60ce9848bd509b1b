// gemv.cu on the emulator against float64: every entry point, launched as CudaBackend launches it.
//   gemv_{f16,bf16,q8_0,q4_0}_nb{1,2,4,8,16,32}  CudaBackend.gemvRows/gemv: chunks of <= 32 rows, bucket = smallest
//       power of two >= nb; grid (ceil(n/4), splits), block 128; split-K when ceil(n/4) < 2*SMs and K >= 2048:
//       want = min(ceil(2*SMs/blocks), K/1024), k_split = ceil(K/want) rounded up to 1024, splits = ceil(K/k_split),
//       partials (splits, nb, n) summed by splitk_reduce_f32 (grid min(ceil(nb*n/256), 4096), block 256).
//       SMs = 132 (H100 SXM). Shapes: n 21 K 800 (no split) at T 1,2,3,8,13,17,32 (every bucket, part-full ones);
//       n 22 K 2080 (2 splits of 2048, the last 32 wide) at T 1,3,17; n 13 K 4096 (4 splits of 1024) at T 8;
//       f16 and q4_0: n 1056 K 2048 (264 blocks: the host's no-split branch at K >= 2048) at T 1.
//   gemv_{q8_0,q4_0}_aos_nb*  never launched by the host (kept for comparison): launched here by the same rule and
//       shapes (but n 1056) with the ggml 34/18-byte blocks in place of the split layout.
//   gemv_f32                 gemvRows in chunks of <= 8 rows, same split rule: n 21 K 800 T 1,3,8,13 (8+5);
//       n 22 K 2080 T 5; n 13 K 4096 T 13 (two chunks, each split 4 ways into the same scratch).
//   gemv_{f32,f16,bf16}_generic  K % 32 != 0: grid ceil(n/4), block 128, no split: K 172 n 21 (F32 T 1,3,13 = 8+5;
//       F16/BF16 T 1,17,40 = 32+8) and K 20 n 5 T 2 (fewer columns than lanes).
//   gemv3_{f16,bf16,q8_0,q4_0}_nb{1,2,4,8}  CudaBackend.gemv3 (CudaDecoder's fused step): grid = sum ceil(rows_i/4),
//       block 128, bucket <= 8: rows 70/18/18 (GQA: wk = wv) K 800 at nb 1,3,8 and 37/21/13 K 544 at nb 2,5;
//       every matrix's last 4-row block part-empty.
//   gemv_swiglu_{f16,bf16,q8_0,q4_0}_nb{1,2,4,8}  CudaBackend.gemvSwiglu: grid ceil(rows/4), block 128: rows 45 K 800
//       at nb 1,3,8, rows 30 K 544 at nb 2,5.
//   gemv{,3,_swiglu}_{f16,bf16,q8_0,q4_0}_v4_nb{1,2,4,8}  the same launches with -Dminerva.cuda.gemv=v4 (batches <= 8):
//       n 21 K 800 T 1,2,3,8; n 22 K 2080 T 1,3; n 13 K 4096 T 8; the gemv3/swiglu shapes above.
//   quantize_q8_f32 + gemv{,3,_swiglu}_{q8_0,q4_0}_dp4a_nb{1,2,4,8}  -Dminerva.cuda.gemv=dp4a: the activations quantised
//       (checked bit for bit against Q8_0Codec's rule, ties and an all-zero block included), then the v4 shapes;
//       the reference multiplies the Q8_0-rounded activations.
//   splitk_reduce_f32        after every split launch above.
// Weights: Q8_0/Q4_0 are made as ggml blocks (random f16 scale of either sign, int8 over the full -128..127, any
// nibble) and packed to QuantSplit's layout in one buffer (qs, then the scales at byte rows*K resp. rows*K/2, as
// addWeightArgs passes them). Reference: the format's dequantised values times x, summed in double.
// Tolerance: |got - want| <= 1e-5 * sum_c |w_rc x_c|: f32 accumulation uses ~0.1% of it (at most ~1%), one wrong
// or missing term is ~100x over it. Every launch runs in both thread orders into NaN-poisoned outputs followed by a
// NaN guard that must stay untouched (no write past the rows).
// run-tests.sh builds without strict aliasing: the loaders read a uint4 through __half2 (the usual CUDA idiom, fine
// under nvcc); g++ -O2 with strict aliasing drops the uint4 store and the f16 results come out as stack garbage.
#include "gemv.cu"
#include "check.h"
#include "gemv_check.h"
#include <chrono>

namespace {
using namespace gemvchk;

// ------------------------------------------------------------------ the host's launches (CudaBackend)
#define NB6(N) {N##_nb1, N##_nb2, N##_nb4, N##_nb8, N##_nb16, N##_nb32}
decltype(&gemv_f16_nb1) const kF16[] = NB6(gemv_f16);
decltype(&gemv_bf16_nb1) const kBF16[] = NB6(gemv_bf16);
decltype(&gemv_q8_0_nb1) const kQ8[] = NB6(gemv_q8_0);
decltype(&gemv_q4_0_nb1) const kQ4[] = NB6(gemv_q4_0);
decltype(&gemv_q8_0_aos_nb1) const kQ8Aos[] = NB6(gemv_q8_0_aos);
decltype(&gemv_q4_0_aos_nb1) const kQ4Aos[] = NB6(gemv_q4_0_aos);
decltype(&gemv3_f16_nb1) const k3F16[] = NB4(gemv3_f16);
decltype(&gemv3_bf16_nb1) const k3BF16[] = NB4(gemv3_bf16);
decltype(&gemv3_q8_0_nb1) const k3Q8[] = NB4(gemv3_q8_0);
decltype(&gemv3_q4_0_nb1) const k3Q4[] = NB4(gemv3_q4_0);
decltype(&gemv_swiglu_f16_nb1) const kSwF16[] = NB4(gemv_swiglu_f16);
decltype(&gemv_swiglu_bf16_nb1) const kSwBF16[] = NB4(gemv_swiglu_bf16);
decltype(&gemv_swiglu_q8_0_nb1) const kSwQ8[] = NB4(gemv_swiglu_q8_0);
decltype(&gemv_swiglu_q4_0_nb1) const kSwQ4[] = NB4(gemv_swiglu_q4_0);
// v4 (GemvKernel.V4): the same parameters, buckets 1..8 (above that the host keeps v1)
decltype(&gemv_f16_nb1) const kF16v4[] = NB4(gemv_f16_v4);
decltype(&gemv_bf16_nb1) const kBF16v4[] = NB4(gemv_bf16_v4);
decltype(&gemv_q8_0_nb1) const kQ8v4[] = NB4(gemv_q8_0_v4);
decltype(&gemv_q4_0_nb1) const kQ4v4[] = NB4(gemv_q4_0_v4);
decltype(&gemv3_f16_nb1) const k3F16v4[] = NB4(gemv3_f16_v4);
decltype(&gemv3_bf16_nb1) const k3BF16v4[] = NB4(gemv3_bf16_v4);
decltype(&gemv3_q8_0_nb1) const k3Q8v4[] = NB4(gemv3_q8_0_v4);
decltype(&gemv3_q4_0_nb1) const k3Q4v4[] = NB4(gemv3_q4_0_v4);
decltype(&gemv_swiglu_f16_nb1) const kSwF16v4[] = NB4(gemv_swiglu_f16_v4);
decltype(&gemv_swiglu_bf16_nb1) const kSwBF16v4[] = NB4(gemv_swiglu_bf16_v4);
decltype(&gemv_swiglu_q8_0_nb1) const kSwQ8v4[] = NB4(gemv_swiglu_q8_0_v4);
decltype(&gemv_swiglu_q4_0_nb1) const kSwQ4v4[] = NB4(gemv_swiglu_q4_0_v4);
bool g_v4 = false;   // launch the v4 entries where the host would (CudaBackend with -Dminerva.cuda.gemv=v4)
// v5 (GemvKernel.DP4A): Q8_0 weights against Q8_0-quantised activations, buckets 1..8
decltype(&gemv_q8_0_dp4a_nb1) const kQ8dp4a[] = NB4(gemv_q8_0_dp4a);
decltype(&gemv3_q8_0_dp4a_nb1) const k3Q8dp4a[] = NB4(gemv3_q8_0_dp4a);
decltype(&gemv_swiglu_q8_0_dp4a_nb1) const kSwQ8dp4a[] = NB4(gemv_swiglu_q8_0_dp4a);
decltype(&gemv_q4_0_dp4a_nb1) const kQ4dp4a[] = NB4(gemv_q4_0_dp4a);
decltype(&gemv3_q4_0_dp4a_nb1) const k3Q4dp4a[] = NB4(gemv3_q4_0_dp4a);
decltype(&gemv_swiglu_q4_0_dp4a_nb1) const kSwQ4dp4a[] = NB4(gemv_swiglu_q4_0_dp4a);
bool dp4a_dtype(DT dt) { return dt == DT::Q8_0 || dt == DT::Q4_0; }
bool g_dp4a = false;   // launch them where the host would (-Dminerva.cuda.gemv=dp4a)

// CudaBackend.addActivationArgs for dp4a: quantize_q8_f32 into (xq, xd), grid min(ceil(blocks/4), 16*SMs), block 128.
struct DevQX { Bytes q; std::vector<float> d; };
DevQX quantize_dev(const float* x, int nb, int K) {
    const long long blocks = (long long)nb * K / 32;
    DevQX r{Bytes((size_t)nb * K), std::vector<float>((size_t)blocks)};
    emu::launch("quantize_q8_f32", quantize_q8_f32, dim3((unsigned)std::min((blocks + 3) / 4, 16LL * kSms)), dim3(128), 0, x,
                reinterpret_cast<int8_t*>(r.q.data()), r.d.data(), blocks);
    return r;
}


// CudaBackend.gemv: y (nb, n) = x (nb, K) . w^T. Returns what it launched (for the report line).
std::string host_gemv(float* y, const float* x, const Weight& w, int nb, int n, int K, bool aos) {
    const int blocks = (n + 3) / 4;
    const dim3 b128(128);
    if (K % 32 != 0) {
        const std::string name = std::string("gemv_") + dt_name(w.dt) + "_generic";
        switch (w.dt) {
            case DT::F32: emu::launch(name.c_str(), gemv_f32_generic, dim3(blocks), b128, 0, as<float>(wptr(w)), x, y, n, K, nb); break;
            case DT::F16: emu::launch(name.c_str(), gemv_f16_generic, dim3(blocks), b128, 0, as<__half>(wptr(w)), x, y, n, K, nb); break;
            case DT::BF16: emu::launch(name.c_str(), gemv_bf16_generic, dim3(blocks), b128, 0, as<__nv_bfloat16>(wptr(w)), x, y, n, K, nb); break;
            default: std::printf("FAIL %s matmul needs K %% 32 == 0\n", dt_name(w.dt)); chk::failures()++; return "";
        }
        return name;
    }
    int splits = 1, k_split = K;
    if (blocks < 2 * kSms && K >= 2048) {   // split-K when the output rows alone cannot fill the GPU
        const int want = std::min((2 * kSms + blocks - 1) / blocks, K / 1024);
        k_split = ((K + want - 1) / want + 1023) / 1024 * 1024;
        splits = (K + k_split - 1) / k_split;
    }
    std::vector<float> partial;
    float* target = y;
    if (splits > 1) { partial = chk::poisoned((size_t)splits * nb * n); target = partial.data(); }
    const dim3 grid(blocks, splits);
    const int s = slot_of(bucket_of(nb, 32));
    const bool dp4a = g_dp4a && dp4a_dtype(w.dt) && !aos && nb <= 8;
    const bool v4 = g_v4 && !aos && nb <= 8;
    std::string name = w.dt == DT::F32 ? "gemv_f32"
                       : dp4a ? std::string("quantize_q8_f32 + gemv_") + dt_name(w.dt) + "_dp4a_nb" + std::to_string(bucket_of(nb, 8))
                              : std::string("gemv_") + dt_name(w.dt) + (aos ? "_aos" : v4 ? "_v4" : "") + "_nb" + std::to_string(bucket_of(nb, 32));
    const char* nm = name.c_str();
    if (dp4a) {
        const DevQX qx = quantize_dev(x, nb, K);
        if (w.dt == DT::Q8_0)
            emu::launch(nm, kQ8dp4a[s], grid, b128, 0, as<int8_t>(wptr(w)), wscales(w), as<int8_t>(qx.q.data()), qx.d.data(),
                        target, n, K, nb, k_split);
        else
            emu::launch(nm, kQ4dp4a[s], grid, b128, 0, as<uint8_t>(wptr(w)), wscales(w), as<int8_t>(qx.q.data()), qx.d.data(),
                        target, n, K, nb, k_split);
    } else switch (w.dt) {
        case DT::F32: emu::launch(nm, gemv_f32, grid, b128, 0, as<float>(wptr(w)), x, target, n, K, nb, k_split); break;
        case DT::F16: emu::launch(nm, (v4 ? kF16v4 : kF16)[s], grid, b128, 0, as<__half>(wptr(w)), x, target, n, K, nb, k_split); break;
        case DT::BF16: emu::launch(nm, (v4 ? kBF16v4 : kBF16)[s], grid, b128, 0, as<__nv_bfloat16>(wptr(w)), x, target, n, K, nb, k_split); break;
        case DT::Q8_0:
            if (aos) emu::launch(nm, kQ8Aos[s], grid, b128, 0, as<uint8_t>(w.aos.data()), x, target, n, K, nb, k_split);
            else emu::launch(nm, (v4 ? kQ8v4 : kQ8)[s], grid, b128, 0, as<int8_t>(wptr(w)), wscales(w), x, target, n, K, nb, k_split);
            break;
        case DT::Q4_0:
            if (aos) emu::launch(nm, kQ4Aos[s], grid, b128, 0, as<uint8_t>(w.aos.data()), x, target, n, K, nb, k_split);
            else emu::launch(nm, (v4 ? kQ4v4 : kQ4)[s], grid, b128, 0, as<uint8_t>(wptr(w)), wscales(w), x, target, n, K, nb, k_split);
            break;
    }
    if (splits > 1) {
        const long long count = (long long)nb * n;
        emu::launch("splitk_reduce_f32", splitk_reduce_f32, dim3((unsigned)std::min((count + 255) / 256, 4096LL)), dim3(256), 0,
                    (const float*)partial.data(), y, splits, count);
        name += " split " + std::to_string(splits) + "x" + std::to_string(k_split) + "+reduce";
    }
    return name;
}

// CudaBackend.gemvRows: chunks of at most 32 (F32: 8) rows.
std::string host_gemv_rows(float* y, const float* x, const Weight& w, int rows, int n, int K, bool aos) {
    const int max_rows = w.dt == DT::F32 ? 8 : 32;
    std::string what;
    for (int r0 = 0; r0 < rows; r0 += max_rows) {
        const int nb = std::min(max_rows, rows - r0);
        const std::string one = host_gemv(y + (size_t)r0 * n, x + (size_t)r0 * K, w, nb, n, K, aos);
        if (what.empty()) what = one;
        else if (what.find(one) == std::string::npos) what += ", " + one;
    }
    if (rows > max_rows) what += " (" + std::to_string((rows + max_rows - 1) / max_rows) + " chunks)";
    return what;
}

// ------------------------------------------------------------------ cases
void matmul(DT dt, bool aos, int n, int K, std::initializer_list<int> Ts) {
    const Weight w = make_weight(dt, n, K, 100 + n * 7 + K + (int)dt * 13 + aos);
    for (int T : Ts) {
        const auto x = chk::random((size_t)T * K, 7 + T + K);
        const bool qx = g_dp4a && dp4a_dtype(dt) && !aos && T <= 8;
        const Ref r = reference(w, qx ? quantize_ref(x).deq : x, T);   // dp4a: the product of what it multiplies
        const size_t count = (size_t)T * n;
        std::string launched;
        const std::string shape = " T " + std::to_string(T) + " n " + std::to_string(n) + " K " + std::to_string(K);
        auto out = chk::both_orders(std::string("matmul ") + dt_name(dt) + shape, chk::poisoned(count + kGuard), [&](std::vector<float>& o) {
            launched = host_gemv_rows(o.data(), x.data(), w, T, n, K, aos);
        });
        close_terms(launched + shape, out.data(), r);
        guard_ok(launched + shape, out, count);
    }
}

void gemv3(DT dt, int nb, int r0, int r1, int r2, int K) {
    const Weight w0 = make_weight(dt, r0, K, 500 + r0), w1 = make_weight(dt, r1, K, 600 + r1), w2 = make_weight(dt, r2, K, 700 + r2);
    const auto x = chk::random((size_t)nb * K, 900 + nb);
    const bool qx = g_dp4a && dp4a_dtype(dt);
    const std::vector<float> xr = qx ? quantize_ref(x).deq : x;
    const Ref ref[3] = {reference(w0, xr, nb), reference(w1, xr, nb), reference(w2, xr, nb)};
    // y0 | guard | y1 | guard | y2 | guard in one buffer, so both_orders compares all three
    const size_t n0 = (size_t)nb * r0, n1 = (size_t)nb * r1, n2 = (size_t)nb * r2;
    const size_t off1 = n0 + kGuard, off2 = off1 + n1 + kGuard;
    const int bucket = bucket_of(nb, 8), s = slot_of(bucket);
    const std::string name = std::string(qx ? "quantize_q8_f32 + " : "") + "gemv3_" + dt_name(dt) + (qx ? "_dp4a" : g_v4 ? "_v4" : "") +
                             "_nb" + std::to_string(bucket);
    const std::string shape = " nb " + std::to_string(nb) + " rows " + std::to_string(r0) + "/" + std::to_string(r1) + "/" +
                              std::to_string(r2) + " K " + std::to_string(K);
    const dim3 grid((r0 + 3) / 4 + (r1 + 3) / 4 + (r2 + 3) / 4), b128(128);
    // Q8_0 / Q4_0 (values of type QT): the dp4a entry on quantised activations, or the f32-activation one
    auto quantised3 = [&](auto qt, auto dp4a_kernel, auto kernel, float* y0, float* y1, float* y2) {
        using QT = decltype(qt);
        const char* nm = name.c_str();
        if (qx) {
            const DevQX q = quantize_dev(x.data(), nb, K);
            emu::launch(nm, dp4a_kernel, grid, b128, 0, as<QT>(wptr(w0)), wscales(w0), as<QT>(wptr(w1)), wscales(w1), as<QT>(wptr(w2)), wscales(w2),
                        as<int8_t>(q.q.data()), q.d.data(), y0, y1, y2, r0, r1, r2, K, nb);
        } else {
            emu::launch(nm, kernel, grid, b128, 0, as<QT>(wptr(w0)), wscales(w0), as<QT>(wptr(w1)), wscales(w1), as<QT>(wptr(w2)), wscales(w2), x.data(), y0, y1, y2, r0, r1, r2, K, nb);
        }
    };
    auto out = chk::both_orders(name + shape, chk::poisoned(off2 + n2 + kGuard), [&](std::vector<float>& o) {
        float *y0 = o.data(), *y1 = o.data() + off1, *y2 = o.data() + off2;
        const char* nm = name.c_str();
        switch (dt) {
            case DT::F16: emu::launch(nm, (g_v4 ? k3F16v4 : k3F16)[s], grid, b128, 0, as<__half>(wptr(w0)), as<__half>(wptr(w1)), as<__half>(wptr(w2)), x.data(), y0, y1, y2, r0, r1, r2, K, nb); break;
            case DT::BF16: emu::launch(nm, (g_v4 ? k3BF16v4 : k3BF16)[s], grid, b128, 0, as<__nv_bfloat16>(wptr(w0)), as<__nv_bfloat16>(wptr(w1)), as<__nv_bfloat16>(wptr(w2)), x.data(), y0, y1, y2, r0, r1, r2, K, nb); break;
            case DT::Q8_0: quantised3(int8_t{}, k3Q8dp4a[s], (g_v4 ? k3Q8v4 : k3Q8)[s], y0, y1, y2); break;
            case DT::Q4_0: quantised3(uint8_t{}, k3Q4dp4a[s], (g_v4 ? k3Q4v4 : k3Q4)[s], y0, y1, y2); break;
            default: break;
        }
    });
    const size_t offs[3] = {0, off1, off2}, ns[3] = {n0, n1, n2};
    for (int i = 0; i < 3; i++) {
        const std::string what = name + " y" + std::to_string(i) + shape;
        close_terms(what, out.data() + offs[i], ref[i]);
        std::vector<float> tail(out.begin() + offs[i], out.begin() + offs[i] + ns[i] + kGuard);
        guard_ok(what, tail, ns[i]);
    }
}

void swiglu(DT dt, int nb, int rows, int K) {
    const Weight wg = make_weight(dt, rows, K, 300 + rows), wu = make_weight(dt, rows, K, 400 + rows);
    const auto x = chk::random((size_t)nb * K, 950 + nb);
    const bool qx = g_dp4a && dp4a_dtype(dt);
    const std::vector<float> xr = qx ? quantize_ref(x).deq : x;
    const Ref g = reference(wg, xr, nb), u = reference(wu, xr, nb);
    // h = silu(g) * u; an error dg, du moves h by silu'(g) u dg + silu(g) du, |silu'| <= 1.1; expf adds ~1e-7 |h|
    std::vector<double> want(g.y.size()), bound(g.y.size());
    for (size_t i = 0; i < want.size(); i++) {
        const double sg = g.y[i] / (1 + std::exp(-g.y[i]));
        want[i] = sg * u.y[i];
        bound[i] = kRel * (1.1 * std::fabs(u.y[i]) * g.mag[i] + std::fabs(sg) * u.mag[i]) + 1e-6 * std::fabs(want[i]) + 1e-30;
    }
    const int bucket = bucket_of(nb, 8), s = slot_of(bucket);
    const std::string name = std::string(qx ? "quantize_q8_f32 + " : "") + "gemv_swiglu_" + dt_name(dt) + (qx ? "_dp4a" : g_v4 ? "_v4" : "") +
                             "_nb" + std::to_string(bucket);
    const std::string shape = " nb " + std::to_string(nb) + " rows " + std::to_string(rows) + " K " + std::to_string(K);
    const dim3 grid((rows + 3) / 4), b128(128);
    // Q8_0 / Q4_0 (values of type QT): the dp4a entry on quantised activations, or the f32-activation one
    auto quantised_sw = [&](auto qt, auto dp4a_kernel, auto kernel, float* h) {
        using QT = decltype(qt);
        const char* nm = name.c_str();
        if (qx) {
            const DevQX q = quantize_dev(x.data(), nb, K);
            emu::launch(nm, dp4a_kernel, grid, b128, 0, as<QT>(wptr(wg)), wscales(wg), as<QT>(wptr(wu)), wscales(wu), as<int8_t>(q.q.data()), q.d.data(), h, rows, K, nb);
        } else {
            emu::launch(nm, kernel, grid, b128, 0, as<QT>(wptr(wg)), wscales(wg), as<QT>(wptr(wu)), wscales(wu), x.data(), h, rows, K, nb);
        }
    };
    auto out = chk::both_orders(name + shape, chk::poisoned(want.size() + kGuard), [&](std::vector<float>& o) {
        const char* nm = name.c_str();
        switch (dt) {
            case DT::F16: emu::launch(nm, (g_v4 ? kSwF16v4 : kSwF16)[s], grid, b128, 0, as<__half>(wptr(wg)), as<__half>(wptr(wu)), x.data(), o.data(), rows, K, nb); break;
            case DT::BF16: emu::launch(nm, (g_v4 ? kSwBF16v4 : kSwBF16)[s], grid, b128, 0, as<__nv_bfloat16>(wptr(wg)), as<__nv_bfloat16>(wptr(wu)), x.data(), o.data(), rows, K, nb); break;
            case DT::Q8_0: quantised_sw(int8_t{}, kSwQ8dp4a[s], (g_v4 ? kSwQ8v4 : kSwQ8)[s], o.data()); break;
            case DT::Q4_0: quantised_sw(uint8_t{}, kSwQ4dp4a[s], (g_v4 ? kSwQ4v4 : kSwQ4)[s], o.data()); break;
            default: break;
        }
    });
    close_bound(name + shape, out.data(), want, bound);
    guard_ok(name + shape, out, want.size());
}
}  // namespace

// The newer versions' shapes (batches up to 8; splits included: same split rule), under g_v4 or g_dp4a.
void up_to_8_rows(DT dt) {
    matmul(dt, false, 21, 800, {1, 2, 3, 8});
    matmul(dt, false, 22, 2080, {1, 3});
    matmul(dt, false, 13, 4096, {8});
    for (int nb : {1, 3, 8}) gemv3(dt, nb, 70, 18, 18, 800);
    for (int nb : {2, 5}) gemv3(dt, nb, 37, 21, 13, 544);
    for (int nb : {1, 3, 8}) swiglu(dt, nb, 45, 800);
    for (int nb : {2, 5}) swiglu(dt, nb, 30, 544);
}

// quantize_q8_f32 against quantize_ref, bit for bit: random rows, an all-zero block, and values on rounding ties
void quantize_exact() {
    const int nb = 3, K = 800;
    auto x = chk::random((size_t)nb * K, 4242);
    for (int j = 0; j < 32; j++) x[64 + j] = 0.f;                                   // block 2: d = 0
    for (int j = 0; j < 32; j++) x[96 + j] = j == 0 ? 127.f : (float)(j - 16) + 0.5f;   // block 3: d = 1, x.5 ties
    const QX want = quantize_ref(x);
    size_t bad = 0, first = SIZE_MAX;
    chk::both_orders("quantize_q8_f32", std::vector<float>(1, 0.f), [&](std::vector<float>&) {
        const DevQX got = quantize_dev(x.data(), nb, K);
        bad = 0;
        for (size_t i = 0; i < x.size(); i++)
            if (got.q.data()[i] != want.q.data()[i]) { if (!bad++) first = i; }
        for (size_t b = 0; b < want.d.size(); b++)
            if (std::memcmp(&got.d[b], &want.d[b], 4) != 0) { if (!bad++) first = b * 32; }
    });
    if (bad) {
        std::printf("FAIL quantize_q8_f32 nb %d K %d: %zu values or scales differ from Q8_0Codec's rule, first at [%zu] x %.9g\n", nb, K, bad,
                    first, x[first]);
        chk::failures()++;
    } else {
        std::printf("ok   quantize_q8_f32 nb %d K %d: int8 values and f16 scales equal Q8_0Codec's rule bit for bit\n", nb, K);
    }
}

int main() {
    const auto t0 = std::chrono::steady_clock::now();
    const DT vec[] = {DT::F16, DT::BF16, DT::Q8_0, DT::Q4_0};
    for (DT dt : vec)
        for (bool aos : {false, true}) {
            if (aos && (dt == DT::F16 || dt == DT::BF16)) continue;
            matmul(dt, aos, 21, 800, {1, 2, 3, 8, 13, 17, 32});   // no split, every bucket, ragged rows and K
            matmul(dt, aos, 22, 2080, {1, 3, 17});                // 2 splits of 2048 (several steps), the last 32 wide
            matmul(dt, aos, 13, 4096, {8});                       // 4 splits of 1024
            // 264 blocks fill 2x132 SMs: no split at K >= 2048 (host branch; the kernel path is the no-split one)
            if (!aos && (dt == DT::F16 || dt == DT::Q4_0)) matmul(dt, aos, 1056, 2048, {1});
        }
    matmul(DT::F32, false, 21, 800, {1, 3, 8, 13});
    matmul(DT::F32, false, 22, 2080, {5});
    matmul(DT::F32, false, 13, 4096, {13});
    for (DT dt : {DT::F32, DT::F16, DT::BF16}) {
        matmul(dt, false, 21, 172, dt == DT::F32 ? std::initializer_list<int>{1, 3, 13} : std::initializer_list<int>{1, 17, 40});
        matmul(dt, false, 5, 20, {2});
    }
    for (DT dt : vec) {
        for (int nb : {1, 3, 8}) gemv3(dt, nb, 70, 18, 18, 800);
        for (int nb : {2, 5}) gemv3(dt, nb, 37, 21, 13, 544);
        for (int nb : {1, 3, 8}) swiglu(dt, nb, 45, 800);
        for (int nb : {2, 5}) swiglu(dt, nb, 30, 544);
    }
    // v4: every entry at the shapes above with batches up to 8 (splits included: same split rule)
    g_v4 = true;
    for (DT dt : vec) up_to_8_rows(dt);
    g_v4 = false;
    // v5: Q8_0 and Q4_0 with dp4a on quantised activations (the references multiply the Q8_0-rounded activations)
    quantize_exact();
    g_dp4a = true;
    for (DT dt : {DT::Q8_0, DT::Q4_0}) up_to_8_rows(dt);
    g_dp4a = false;
    std::printf("(%.1f s)\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    return chk::summary("gemv");
}
