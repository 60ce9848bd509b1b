// attention.cu on the emulator against float64, every entry point launched as the Java host launches it.
//
// Host rules mirrored (CudaBackend.attention, rows of q/out from rowStart, keys/values (cap, kvDim) of slot 0):
//   scale = (float)(1/sqrt(hs)); pos0 = kvLength - rows; a query head h reads kv head h / (nH / nKv).
//   non-causal mask     -> attn_masked_f32  grid (rows, nH), block 128, smem 4*kvLength, bits = MaskBits.pack
//                          (row r's key j at bit j%32 of word r*ceil(kv/32) + j/32), any head size.
//   causal, hs not 32/64/128 -> attn_naive_f32 grid (rows, nH), block 128, smem 4*kvLength, pos0.
//   causal, rows == 1   -> attn_decode_split_f32 grid (splits, nH, 1) with slots = {0}, lens = {kvLength},
//                          slot_stride 0, wantSplits = max(1, ceil(2*SMs/nH)), chunk = max(64, roundup32(ceil(kv /
//                          wantSplits))), splits = ceil(kv/chunk); then attn_decode_merge_f32 grid (nH, 1), block 128.
//   causal, rows > 1    -> attn_prefill_f32 grid (ceil(rows*group/16), nKv), block 128, slot 0, slot_stride 0, pos0.
//                          Beside each such launch, v2 attn_prefill_mma (not yet chosen by the host) with the same
//                          arguments, grid (ceil(rows*group/64), nKv), block 128.
// CudaDecoder (one decode step of B sequences over a (layer, slot, capacity, kvDim) cache, slots[b], pos[b],
//   lens = pos + 1): kv_append_f32 grid B, block 128; attn_decode_split_f32 grid (ceil(capacity/256), nH, B) with
//   chunk 256 (short sequences leave empty splits: m = -inf, l = 0); attn_decode_merge_f32 grid (nH, B). The lean
//   step's attn_decode_f32 (same grid) must equal that pair bit for bit, twice on the same counters, leaving them 0.
//
// Covered: kv_append_f32 (into layer 1, permuted slots); attn_prefill_f32 hd 32/64/128, GQA group 1 and 4, rows not
// a multiple of the 16-row block, with and without a past KV prefix (kv up to 200), a key tile some rows of a block
// see while others (having seen earlier tiles) do not, and slot 1 of a 2-slot cache (the kernel's contract; the host
// passes slot 0); attn_decode_split_f32 + merge via CudaBackend (kv 1, 64, 130, 200 on 132 SMs: chunk 64 with a
// ragged last split; kv 330 on 10 SMs: chunk 96) and via CudaDecoder (lengths 1, 77, 257, 300, 131, 5 in splits of
// 256: empty, ragged and one-key splits), the split partials (m, l, o) checked too; attn_naive_f32 hd 8
// (stories260K, 8/4 heads) with odd kv lengths, and hd 48; attn_masked_f32 with a Medusa tree, and a random sparse
// mask with a row that sees nothing, at hd 8/32/64.
// Inputs the kernels must not read (q rows outside the call, cache rows past the length, other slots and layers)
// are NaN, so a stray read shows up; outputs start NaN, and rows outside the call must stay NaN.
// Reference: AttentionKernel/AttentionMask semantics in double; a row that sees nothing is zeros.
// Tolerance: rtol 1e-5 and atol 1e-5 * max|want| of the launch (f32 dots and online softmax against float64);
// attn_prefill_mma (f16 operands): relative L2 error <= 2e-3 and every element within 1e-2 * max|want| (mma_close).
// attn_prefill_mma runs on every prefill case above plus group 8 (TinyLlama's 32/4 heads), several 64-row blocks and
// 64-key tiles (warps that skip a tile, tiles that need no mask), exactly one full block/tile, and slot 1 at hd 128.
#include "attention.cu"
#include "check.h"
#include <functional>

using Visible = std::function<bool(int row, int rows, int slot, int kvLength)>;   // AttentionMask.visible
static bool causal_visible(int row, int rows, int slot, int kv) { return slot <= kv - rows + row; }
static const float NaN = std::nanf("");
static float host_scale(int hs) { return (float)(1.0 / std::sqrt((double)hs)); }

// One query head over keys [0, n) of a cache with rows of kvDim floats; keys `see` rejects take no part.
static void ref_head(const float* q, const float* kc, const float* vc, int kvDim, int kvh, int hs, int n,
                     const std::function<bool(int)>& see, double scale, double* out) {
    std::vector<double> s(n, -INFINITY);
    double mx = -INFINITY;
    for (int j = 0; j < n; j++) {
        if (!see(j)) continue;
        double d = 0;
        for (int i = 0; i < hs; i++) d += (double)q[i] * kc[(size_t)j * kvDim + kvh * hs + i];
        s[j] = d * scale;
        mx = std::max(mx, s[j]);
    }
    for (int i = 0; i < hs; i++) out[i] = 0;
    if (mx == -INFINITY) return;   // sees nothing: zeros
    double sum = 0;
    for (int j = 0; j < n; j++) {
        if (s[j] == -INFINITY) continue;
        const double w = std::exp(s[j] - mx);
        sum += w;
        for (int i = 0; i < hs; i++) out[i] += w * vc[(size_t)j * kvDim + kvh * hs + i];
    }
    for (int i = 0; i < hs; i++) out[i] /= sum;
}

static double max_abs(const std::vector<double>& v) {
    double m = 0;
    for (double x : v) m = std::max(m, std::fabs(x));
    return m;
}

// The call may write only its own rows: everything else of `out` stays NaN.
static void untouched(const std::string& what, const std::vector<float>& out, size_t lo, size_t hi) {
    size_t bad = 0, first = 0;
    for (size_t i = 0; i < out.size(); i++)
        if ((i < lo || i >= hi) && !std::isnan(out[i]) && bad++ == 0) first = i;
    if (bad) {
        std::printf("FAIL %-58s wrote %zu values outside its rows, first [%zu] = %g\n", what.c_str(), bad, first, out[first]);
        chk::failures()++;
    }
}

// attn_prefill_mma (v2, tensor cores) beside every attn_prefill_f32 launch: its own geometry (grid (ceil(rows*group/64),
// nKv), block 128), same arguments, NaN-poisoned output. Its operands are f16: Q*scale*log2(e), K, V and P are each
// rounded once (unit roundoff 2^-11 = 4.9e-4), products accumulate in f32. The errors are independent roundings of a
// weighted average of V, so the output's relative L2 error sits near 1e-4 to 5e-4; the limit is 2e-3 (4x the unit
// roundoff: above any honest rounding, below every planted bug, which all land at 1e-2 or more). Each element must
// also be within 1% of max|want| (rounding spread over few keys can make one element several times the average),
// and the worst element is printed as in the other checks.
static void mma_close(const std::string& what, const float* got, const double* want, size_t n) {
    double num = 0, den = 0;
    bool nan = false;
    for (size_t i = 0; i < n; i++) {
        if (std::isnan(got[i])) nan = true;
        num += (got[i] - want[i]) * (got[i] - want[i]);
        den += want[i] * want[i];
    }
    const double rel = std::sqrt(num / den);
    const bool bad = nan || !(rel <= 2e-3);
    std::printf("%-4s %-58s rel L2 err %.3e (limit 2e-3)\n", bad ? "FAIL" : "ok", what.c_str(), rel);
    if (bad) chk::failures()++;
    double mx = 0;
    for (size_t i = 0; i < n; i++) mx = std::max(mx, std::fabs(want[i]));
    chk::close(what, got, want, n, 0, 1e-2 * mx);
}

static void prefill_mma(const std::string& shape, const float* q, const float* k, const float* v, size_t n_out, size_t off,
                        const std::vector<double>& want, int slot, long long stride, int pos0, int rows, int nH, int nKv,
                        int hs, float scale) {
    const int group = nH / nKv;
    const std::string what = "attn_prefill_mma" + shape;
    auto out = chk::both_orders(what, chk::poisoned(n_out), [&](std::vector<float>& o) {
        emu::launch("attn_prefill_mma", attn_prefill_mma, dim3((rows * group + 63) / 64, nKv), dim3(128), 0, q, k, v,
                    o.data() + off, slot, stride, pos0, rows, nH, nKv, hs, scale);
    });
    mma_close(what, out.data() + off, want.data(), want.size());
    untouched(what, out, off, off + want.size());
}

// MaskBits.pack: row r's key j at bit j%32 of word r * words + j/32, padding bits 0.
static std::vector<unsigned> pack_mask(const Visible& vis, int rows, int kv) {
    const int words = (kv + 31) >> 5;
    std::vector<unsigned> bits((size_t)rows * words, 0u);
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < kv; j++)
            if (vis(r, rows, j, kv)) bits[(size_t)r * words + (j >> 5)] |= 1u << (j & 31);
    return bits;
}

// attn_decode_split_f32's partials against float64: for (b, h, split s) over keys [s*chunk, min(len, (s+1)*chunk)),
// m = max score, l = sum e^(score - m), o = sum e^(score - m) v; an empty split m = -inf, l = 0, o = 0.
// o is compared divided by the reference l (its scale), m with -inf required exactly where the split is empty.
static void check_partials(const std::string& what, const std::vector<float>& part, size_t npo, const float* q, const float* kc,
                    const float* vc, const int* slots, const int* lens, long long slot_stride, int nH, int nKv, int hs,
                    int chunk, int splits, int B) {
    const double scale = host_scale(hs);
    const int kvDim = nKv * hs;
    const size_t n = (size_t)B * nH * splits;
    std::vector<double> wm(n), wl(n), wo(npo);
    std::vector<float> gm(n), gl(n), go(npo);
    bool empty_ok = true;
    for (int b = 0; b < B; b++)
        for (int h = 0; h < nH; h++)
            for (int s = 0; s < splits; s++) {
                const size_t p = ((size_t)b * nH + h) * splits + s;
                const int k0 = s * chunk, k1 = std::min(lens[b], k0 + chunk), kvh = h / (nH / nKv);
                const float* qr = q + ((size_t)b * nH + h) * hs;
                const float* kb = kc + slots[b] * slot_stride;
                const float* vb = vc + slots[b] * slot_stride;
                double m = -INFINITY, l = 0;
                std::vector<double> sc, o(hs, 0.0);
                for (int j = k0; j < k1; j++) {
                    double d = 0;
                    for (int i = 0; i < hs; i++) d += (double)qr[i] * kb[(size_t)j * kvDim + kvh * hs + i];
                    sc.push_back(d * scale);
                    m = std::max(m, sc.back());
                }
                for (int j = k0; j < k1; j++) {
                    const double w = std::exp(sc[j - k0] - m);
                    l += w;
                    for (int i = 0; i < hs; i++) o[i] += w * vb[(size_t)j * kvDim + kvh * hs + i];
                }
                const float gotm = part[npo + 2 * p], gotl = part[npo + 2 * p + 1];
                if (k1 <= k0) {   // empty split
                    if (!(gotm == -INFINITY)) empty_ok = false;
                    wm[p] = 0; gm[p] = 0;
                } else {
                    wm[p] = m; gm[p] = gotm;
                }
                wl[p] = l; gl[p] = gotl;
                const double norm = l > 0 ? l : 1;
                for (int i = 0; i < hs; i++) { wo[p * hs + i] = o[i] / norm; go[p * hs + i] = (float)(part[p * hs + i] / norm); }
            }
    if (!empty_ok) { std::printf("FAIL %-58s an empty split's m is not -inf\n", what.c_str()); chk::failures()++; }
    chk::close(what + " m", gm.data(), wm.data(), n, 1e-5, 1e-6);
    chk::close(what + " l", gl.data(), wl.data(), n, 1e-5, 1e-6);
    chk::close(what + " o/l", go.data(), wo.data(), npo, 1e-5, 1e-5);
}

// CudaBackend.attention, as GpuCheck.attentionConformance calls it: q and out (rows + 3, dim) with the call's rows
// at rowStart 2, keys/values (max(kv, 64), kvDim). `causal` stands for mask.isCausal().
static void backend_case(const std::string& name, int nH, int nKv, int hs, int rows, int kv, bool causal,
                         const Visible& vis, int sms = 132) {
    const int dim = nH * hs, kvDim = nKv * hs, cap = std::max(kv, 64), T = rows + 3, rowStart = 2;
    const uint64_t seed = 1000u * nH + 100u * hs + 10u * rows + kv;
    auto q = chk::random((size_t)T * dim, seed, 2.5f);   // x2.5: peaked softmax, not near-uniform
    auto k = chk::random((size_t)cap * kvDim, seed + 1), v = chk::random((size_t)cap * kvDim, seed + 2);
    for (int t = 0; t < T; t++)
        if (t < rowStart || t >= rowStart + rows) std::fill(q.begin() + (size_t)t * dim, q.begin() + (size_t)(t + 1) * dim, NaN);
    std::fill(k.begin() + (size_t)kv * kvDim, k.end(), NaN);
    std::fill(v.begin() + (size_t)kv * kvDim, v.end(), NaN);
    const float scale = host_scale(hs);
    const int pos0 = kv - rows;
    const size_t qOff = (size_t)rowStart * dim;

    std::vector<double> want((size_t)rows * dim);
    for (int r = 0; r < rows; r++)
        for (int h = 0; h < nH; h++)
            ref_head(q.data() + qOff + (size_t)r * dim + h * hs, k.data(), v.data(), kvDim, h / (nH / nKv), hs, kv,
                     [&](int j) { return vis(r, rows, j, kv); }, scale, want.data() + (size_t)r * dim + h * hs);

    const bool fast = hs == 32 || hs == 64 || hs == 128;
    std::string kernel, what;
    char shape[96];
    std::snprintf(shape, sizeof shape, " h%d/%d hd%d rows%d kv%d", nH, nKv, hs, rows, kv);
    std::vector<float> out;
    if (!causal) {
        const auto bits = pack_mask(vis, rows, kv);
        what = "attn_masked_f32 " + name + shape;
        out = chk::both_orders(what, chk::poisoned((size_t)T * dim), [&](std::vector<float>& o) {
            emu::launch("attn_masked_f32", attn_masked_f32, dim3(rows, nH), dim3(128), 4 * (size_t)kv, q.data() + qOff, k.data(),
                        v.data(), o.data() + qOff, bits.data(), (kv + 31) >> 5, kv, nH, nKv, hs, scale);
        });
    } else if (!fast) {
        what = "attn_naive_f32 " + name + shape;
        out = chk::both_orders(what, chk::poisoned((size_t)T * dim), [&](std::vector<float>& o) {
            emu::launch("attn_naive_f32", attn_naive_f32, dim3(rows, nH), dim3(128), 4 * (size_t)kv, q.data() + qOff, k.data(),
                        v.data(), o.data() + qOff, pos0, nH, nKv, hs, scale);
        });
    } else if (rows == 1) {
        const int wantSplits = std::max(1, (2 * sms + nH - 1) / nH);
        const int chunk = std::max(64, ((kv + wantSplits - 1) / wantSplits + 31) / 32 * 32);
        const int splits = (kv + chunk - 1) / chunk;
        const int meta[2] = {0, kv};   // slot 0, length
        char sp[64];
        std::snprintf(sp, sizeof sp, " %dSM chunk%d x%d", sms, chunk, splits);
        what = "attn_decode_merge_f32" + std::string(shape) + sp;
        const std::string swhat = "attn_decode_split_f32" + std::string(shape) + sp;
        const size_t npo = (size_t)nH * splits * hs;
        auto part = chk::both_orders(swhat, chk::poisoned(npo + 2 * (size_t)nH * splits), [&](std::vector<float>& p) {
            emu::launch("attn_decode_split_f32", attn_decode_split_f32, dim3(splits, nH, 1), dim3(128), 0, q.data() + qOff, k.data(),
                        v.data(), &meta[0], &meta[1], 0LL, nH, nKv, hs, scale, chunk, p.data(), p.data() + npo);
        });
        check_partials(swhat, part, npo, q.data() + qOff, k.data(), v.data(), &meta[0], &meta[1], 0, nH, nKv, hs, chunk, splits, 1);
        out = chk::both_orders(what, chk::poisoned((size_t)T * dim), [&](std::vector<float>& o) {
            emu::launch("attn_decode_merge_f32", attn_decode_merge_f32, dim3(nH, 1), dim3(128), 0, part.data(), part.data() + npo,
                        o.data() + qOff, nH, hs, splits);
        });
    } else {
        const int group = nH / nKv;
        what = "attn_prefill_f32" + std::string(shape);
        out = chk::both_orders(what, chk::poisoned((size_t)T * dim), [&](std::vector<float>& o) {
            emu::launch("attn_prefill_f32", attn_prefill_f32, dim3((rows * group + 15) / 16, nKv), dim3(128), 0, q.data() + qOff,
                        k.data(), v.data(), o.data() + qOff, 0, 0LL, pos0, rows, nH, nKv, hs, scale);
        });
        prefill_mma(shape, q.data() + qOff, k.data(), v.data(), (size_t)T * dim, qOff, want, 0, 0LL, pos0, rows, nH, nKv, hs, scale);
    }
    chk::close(what, out.data() + qOff, want.data(), want.size(), 1e-5, 1e-5 * max_abs(want));
    untouched(what, out, qOff, qOff + want.size());
}

// Bit-exact comparison (the cache after kv_append: copies only).
static void exact(const std::string& what, const std::vector<float>& got, const std::vector<float>& want) {
    size_t bad = 0, first = 0;
    for (size_t i = 0; i < got.size(); i++)
        if (std::memcmp(&got[i], &want[i], 4) != 0 && bad++ == 0) first = i;
    std::printf("%-4s %-58s n=%-7zu %zu values differ", bad ? "FAIL" : "ok", what.c_str(), got.size(), bad);
    if (bad) std::printf("  first [%zu] got %.7g want %.7g", first, got[first], want[first]);
    std::printf("\n");
    if (bad) chk::failures()++;
}

// One CudaDecoder step (plain): kv_append of the B new rows into layer 1 of a 2-layer cache, then split-KV attention
// in ceil(capacity/256) splits of 256 keys over lens = pos + 1, then the merge.
static void decoder_case(int nH, int nKv, int hs, int maxBatch, int capacity, const std::vector<int>& slots,
                         const std::vector<int>& pos) {
    constexpr int CHUNK = 256, layers = 2, layer = 1;
    const int B = (int)pos.size(), dim = nH * hs, kvDim = nKv * hs, maxSplits = (capacity + CHUNK - 1) / CHUNK;
    const long long slotStride = (long long)capacity * kvDim;
    const size_t layerFloats = (size_t)maxBatch * capacity * kvDim;
    const float scale = host_scale(hs);
    uint64_t seed = 7000u + 10u * hs + B;
    // cache: earlier positions of each live sequence hold old keys; the rest (the new rows' places included) NaN
    std::vector<float> cache(2 * layers * layerFloats, NaN);   // [kcache | vcache]
    float* kc = cache.data() + layer * layerFloats;
    float* vc = cache.data() + layers * layerFloats + layer * layerFloats;
    for (int b = 0; b < B; b++) {
        const auto ok = chk::random((size_t)pos[b] * kvDim, seed++), ov = chk::random((size_t)pos[b] * kvDim, seed++);
        std::copy(ok.begin(), ok.end(), kc + slots[b] * slotStride);
        std::copy(ov.begin(), ov.end(), vc + slots[b] * slotStride);
    }
    auto q = chk::random((size_t)maxBatch * dim, seed++, 2.5f), k = chk::random((size_t)maxBatch * kvDim, seed++),
         v = chk::random((size_t)maxBatch * kvDim, seed++);
    std::fill(q.begin() + (size_t)B * dim, q.end(), NaN);
    std::fill(k.begin() + (size_t)B * kvDim, k.end(), NaN);
    std::fill(v.begin() + (size_t)B * kvDim, v.end(), NaN);
    std::vector<int> lens(B);
    for (int b = 0; b < B; b++) lens[b] = pos[b] + 1;

    char shape[96];
    std::snprintf(shape, sizeof shape, " h%d/%d hd%d B%d cap%d", nH, nKv, hs, B, capacity);
    std::vector<float> appended = cache;
    for (int b = 0; b < B; b++)
        for (int i = 0; i < kvDim; i++) {
            const size_t at = layer * layerFloats + slots[b] * slotStride + (size_t)pos[b] * kvDim + i;
            appended[at] = k[(size_t)b * kvDim + i];
            appended[layers * layerFloats + at] = v[(size_t)b * kvDim + i];
        }
    const std::string awhat = std::string("kv_append_f32") + shape;
    cache = chk::both_orders(awhat, cache, [&](std::vector<float>& c) {
        emu::launch("kv_append_f32", kv_append_f32, dim3(B), dim3(128), 0, k.data(), v.data(), c.data() + layer * layerFloats,
                    c.data() + layers * layerFloats + layer * layerFloats, pos.data(), slots.data(), slotStride, kvDim);
    });
    exact(awhat, cache, appended);
    kc = cache.data() + layer * layerFloats;
    vc = cache.data() + layers * layerFloats + layer * layerFloats;

    const size_t npo = (size_t)maxBatch * nH * maxSplits * hs, nml = 2 * (size_t)maxBatch * nH * maxSplits;
    const std::string swhat = std::string("attn_decode_split_f32 (decoder)") + shape;
    auto part = chk::both_orders(swhat, chk::poisoned(npo + nml), [&](std::vector<float>& p) {
        emu::launch("attn_decode_split_f32", attn_decode_split_f32, dim3(maxSplits, nH, B), dim3(128), 0, q.data(), (const float*)kc,
                    (const float*)vc, slots.data(), lens.data(), slotStride, nH, nKv, hs, scale, CHUNK, p.data(), p.data() + npo);
    });
    // the partials of the B live sequences (the launch covers only those)
    std::vector<float> live((size_t)B * nH * maxSplits * hs + 2 * (size_t)B * nH * maxSplits);
    const size_t lpo = (size_t)B * nH * maxSplits * hs;
    std::copy(part.begin(), part.begin() + lpo, live.begin());
    std::copy(part.begin() + npo, part.begin() + npo + (live.size() - lpo), live.begin() + lpo);
    check_partials(swhat, live, lpo, q.data(), kc, vc, slots.data(), lens.data(), slotStride, nH, nKv, hs, CHUNK, maxSplits, B);

    std::vector<double> want((size_t)B * dim);
    for (int b = 0; b < B; b++)
        for (int h = 0; h < nH; h++)
            ref_head(q.data() + (size_t)b * dim + h * hs, kc + slots[b] * slotStride, vc + slots[b] * slotStride, kvDim, h / (nH / nKv),
                     hs, lens[b], [](int) { return true; }, scale, want.data() + (size_t)b * dim + h * hs);
    const std::string mwhat = std::string("attn_decode_merge_f32 (decoder)") + shape;
    auto att = chk::both_orders(mwhat, chk::poisoned((size_t)maxBatch * dim), [&](std::vector<float>& o) {
        emu::launch("attn_decode_merge_f32", attn_decode_merge_f32, dim3(nH, B), dim3(128), 0, (const float*)part.data(),
                    (const float*)part.data() + npo, o.data(), nH, hs, maxSplits);
    });
    chk::close(mwhat, att.data(), want.data(), want.size(), 1e-5, 1e-5 * max_abs(want));
    untouched(mwhat, att, 0, want.size());

    // v2 attn_decode_f32 (the lean step): split and merge in one launch. Two launches in a row on the same counters
    // (a graph replay): each must equal split + merge bit for bit and leave every counter at 0.
    const std::string fwhat = std::string("attn_decode_f32 (decoder, 2 launches)") + shape;
    const size_t natt = (size_t)maxBatch * dim, ncount = (size_t)maxBatch * nH;
    auto fused = chk::both_orders(fwhat, chk::poisoned(natt + npo + nml + ncount), [&](std::vector<float>& o) {
        unsigned* counters = reinterpret_cast<unsigned*>(o.data() + natt + npo + nml);
        std::fill(counters, counters + ncount, 0u);
        for (int rep = 0; rep < 2; rep++) {
            std::fill(o.begin(), o.begin() + natt, NaN);
            emu::launch("attn_decode_f32", attn_decode_f32, dim3(maxSplits, nH, B), dim3(128), 0, q.data(), (const float*)kc,
                        (const float*)vc, slots.data(), lens.data(), slotStride, nH, nKv, hs, scale, CHUNK, o.data() + natt,
                        o.data() + natt + npo, o.data(), counters);
        }
    });
    const std::vector<float> fatt(fused.begin(), fused.begin() + natt);
    exact(fwhat, fatt, att);
    const unsigned* counters = reinterpret_cast<const unsigned*>(fused.data() + natt + npo + nml);
    const size_t left = (size_t)std::count_if(counters, counters + ncount, [](unsigned c) { return c != 0; });
    std::printf("%-4s %-58s %zu of %zu counters left non-zero\n", left ? "FAIL" : "ok", (fwhat + " counters").c_str(), left, ncount);
    if (left) chk::failures()++;
}

// attn_prefill_f32 at slot 1 of a 2-slot cache (slot_stride = cap*kvDim): the host always passes slot 0, so this
// only pins the kernel's own contract.
static void prefill_slot_case(int nH, int nKv, int hs, int rows, int kv) {
    const int dim = nH * hs, kvDim = nKv * hs, cap = kv + 5, group = nH / nKv;
    const long long stride = (long long)cap * kvDim;
    auto q = chk::random((size_t)rows * dim, 91, 2.5f);
    std::vector<float> k(2 * stride, NaN), v(2 * stride, NaN);
    const auto k1 = chk::random((size_t)kv * kvDim, 92), v1 = chk::random((size_t)kv * kvDim, 93);
    std::copy(k1.begin(), k1.end(), k.begin() + stride);
    std::copy(v1.begin(), v1.end(), v.begin() + stride);
    const float scale = host_scale(hs);
    std::vector<double> want((size_t)rows * dim);
    for (int r = 0; r < rows; r++)
        for (int h = 0; h < nH; h++)
            ref_head(q.data() + (size_t)r * dim + h * hs, k1.data(), v1.data(), kvDim, h / group, hs, kv,
                     [&](int j) { return causal_visible(r, rows, j, kv); }, scale, want.data() + (size_t)r * dim + h * hs);
    char what[96];
    std::snprintf(what, sizeof what, "attn_prefill_f32 slot 1 h%d/%d hd%d rows%d kv%d", nH, nKv, hs, rows, kv);
    auto out = chk::both_orders(what, chk::poisoned(want.size()), [&](std::vector<float>& o) {
        emu::launch("attn_prefill_f32", attn_prefill_f32, dim3((rows * group + 15) / 16, nKv), dim3(128), 0, q.data(), k.data(),
                    v.data(), o.data(), 1, stride, kv - rows, rows, nH, nKv, hs, scale);
    });
    chk::close(what, out, want, 1e-5, 1e-5 * max_abs(want));
    std::snprintf(what, sizeof what, " slot 1 h%d/%d hd%d rows%d kv%d", nH, nKv, hs, rows, kv);
    prefill_mma(what, q.data(), k.data(), v.data(), want.size(), 0, want, 1, stride, kv - rows, rows, nH, nKv, hs, scale);
}

int main() {
    const Visible causal = causal_visible;
    // prefill (rows > 1, hd 32/64/128)
    backend_case("", 4, 4, 32, 19, 19, true, causal);      // group 1, no past, 19 rows: a full and a ragged block
    backend_case("", 8, 2, 64, 7, 47, true, causal);       // group 4 (28 rows of a kv head), past prefix of 40
    backend_case("", 2, 2, 128, 17, 50, true, causal);     // group 1, past 33, keys cross tiles within a block
    backend_case("", 4, 1, 128, 5, 105, true, causal);     // group 4, one kv head
    backend_case("", 8, 2, 32, 3, 200, true, causal);      // long past: 7 key tiles, the last ragged
    backend_case("", 2, 2, 64, 20, 40, true, causal);      // past 20: rows at 20..31 see none of tile 32..63
    // (for v2: 64-row blocks of 4 warps x 16 rows, 64-key tiles)
    backend_case("", 32, 4, 64, 37, 100, true, causal);    // TinyLlama heads, group 8: 296 rows = 4 blocks + 40, 2 key tiles
    backend_case("", 16, 2, 128, 9, 9, true, causal);      // group 8, no past, hd 128: one 72-row block and 8 rows
    backend_case("", 2, 2, 128, 150, 170, true, causal);   // group 1, 3 row blocks, 3 key tiles: warps that skip a tile,
                                                           // tiles that need no mask, a warp that starts mid-tile
    backend_case("", 4, 4, 32, 64, 64, true, causal);      // exactly one full block and one full tile, hd 32
    prefill_slot_case(4, 2, 64, 6, 40);
    prefill_slot_case(8, 1, 128, 11, 75);                   // group 8, past 64: the second tile ragged
    // decode through CudaBackend (rows == 1): H100's 132 SMs, chunk 64; kv 330 on a 10-SM part: chunk 96
    backend_case("", 4, 4, 64, 1, 1, true, causal);        // one key
    backend_case("", 4, 1, 32, 1, 130, true, causal);      // 64 + 64 + 2
    backend_case("", 2, 2, 128, 1, 200, true, causal);     // 64 * 3 + 8
    backend_case("", 8, 2, 64, 1, 64, true, causal);       // exactly one split
    backend_case("", 4, 4, 64, 1, 330, true, causal, 10);  // 96 * 3 + 42
    // decode through CudaDecoder: 4 sequences in permuted slots of a 5-slot cache, 2 splits of 256
    decoder_case(4, 2, 64, 5, 320, {3, 0, 4, 1}, {0, 76, 256, 299});   // lengths 1, 77, 257 (256 + 1), 300 (256 + 44)
    decoder_case(4, 1, 32, 2, 300, {0, 1}, {299, 4});                  // group 4, head dim 32
    decoder_case(2, 2, 128, 2, 300, {1, 0}, {130, 299});               // head dim 128
    // naive (causal, any other head size): stories260K (8 heads, 4 kv heads, hd 8), odd kv lengths
    backend_case("", 8, 4, 8, 1, 1, true, causal);
    backend_case("", 8, 4, 8, 1, 37, true, causal);
    backend_case("", 8, 4, 8, 9, 41, true, causal);
    backend_case("", 8, 4, 8, 3, 199, true, causal);
    backend_case("", 4, 2, 48, 5, 33, true, causal);
    // masked: a Medusa tree (row r sees the committed prefix and its ancestors), a random sparse mask with a blind row
    const std::vector<int> parent = {-1, 0, 0, 1, 1, 2, 3, -1};
    const Visible tree = [parent](int row, int rows, int slot, int kv) {   // engine.TreeMask.visible
        const int first = kv - rows;
        if (slot < first) return true;
        for (int r = row; r >= 0; r = parent[r]) if (r == slot - first) return true;
        return false;
    };
    backend_case("tree", 4, 2, 64, 8, 53, false, tree);
    backend_case("tree", 8, 4, 8, 8, 40, false, tree);
    std::vector<std::vector<bool>> see(5, std::vector<bool>(70));
    chk::Rng rng(77);
    for (int r = 0; r < 5; r++)
        for (int j = 0; j < 70; j++) see[r][j] = r != 2 && rng.below(4) == 0;   // ~25% visible; row 2 sees nothing
    see[4][31] = see[4][32] = see[4][69] = true;                                  // word edges and the last key
    const Visible sparse = [&see](int row, int, int slot, int) { return (bool)see[row][slot]; };
    backend_case("sparse", 4, 4, 32, 5, 70, false, sparse);
    backend_case("sparse", 8, 4, 8, 5, 70, false, sparse);
    return chk::summary("attention");
}
