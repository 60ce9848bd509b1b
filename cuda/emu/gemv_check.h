// gemv_check.h — what the GEMV-family emulator tests share (test_gemv.cpp, test_layer.cpp): weights in every dtype
// with their dequantised float64 values, float64 references with the accumulation-error scale sum |w x|, the
// elementwise bound check, the write-past-the-end guard, and Q8_0Codec's activation quantisation written out
// independently of the kernels.
#pragma once
#include "check.h"
#include <string>

namespace gemvchk {
enum class DT { F32, F16, BF16, Q8_0, Q4_0 };
const char* dt_name(DT d) {
    switch (d) {
        case DT::F32: return "f32";
        case DT::F16: return "f16";
        case DT::BF16: return "bf16";
        case DT::Q8_0: return "q8_0";
        case DT::Q4_0: return "q4_0";
    }
    return "?";
}

constexpr int kSms = 132;       // ctx.info().smCount() on the H100 the project targets
constexpr double kRel = 1e-5;   // of sum |w x|
constexpr size_t kGuard = 8;    // poisoned floats after every output, checked untouched

// Device-like byte buffer: 16-byte aligned (the kernels read W and x with uint4 / float4 loads).
struct Bytes {
    std::vector<uint4> v;
    explicit Bytes(size_t n = 0) : v((n + 15) / 16) {}
    uint8_t* data() { return reinterpret_cast<uint8_t*>(v.data()); }
    const uint8_t* data() const { return reinterpret_cast<const uint8_t*>(v.data()); }
};

struct Weight {
    DT dt;
    int rows, K;
    std::vector<double> ref;   // dequantised, row-major
    Bytes dev;                 // as CudaBackend.load uploads it (Q8_0/Q4_0: QuantSplit qs then scales)
    Bytes aos;                 // Q8_0/Q4_0: the ggml blocks (the v1 _aos entries)
};

Weight make_weight(DT dt, int rows, int K, uint64_t seed) {
    Weight w{dt, rows, K, std::vector<double>((size_t)rows * K), Bytes(), Bytes()};
    chk::Rng rng(seed);
    const size_t n = (size_t)rows * K;
    if (dt == DT::F32 || dt == DT::F16 || dt == DT::BF16) {
        w.dev = Bytes(n * (dt == DT::F32 ? 4 : 2));
        for (size_t i = 0; i < n; i++) {
            const float f = rng.sym();
            if (dt == DT::F32) { reinterpret_cast<float*>(w.dev.data())[i] = f; w.ref[i] = f; }
            else if (dt == DT::F16) { const uint16_t h = emu::float_to_half(f); reinterpret_cast<uint16_t*>(w.dev.data())[i] = h; w.ref[i] = emu::half_to_float(h); }
            else { const uint16_t h = emu::float_to_bf16(f); reinterpret_cast<uint16_t*>(w.dev.data())[i] = h; w.ref[i] = emu::bf16_to_float(h); }
        }
        return w;
    }
    // ggml blocks first, then the split layout from them exactly as QuantSplit.of permutes the bytes
    const bool q8 = dt == DT::Q8_0;
    const size_t blocks = n / MINERVA_QK, bb = q8 ? MINERVA_Q8_0_BYTES : MINERVA_Q4_0_BYTES;
    w.aos = Bytes(blocks * bb);
    for (size_t b = 0; b < blocks; b++) {
        uint8_t* blk = w.aos.data() + b * bb;
        const float mag = (q8 ? 0.002f : 0.02f) + (q8 ? 0.01f : 0.1f) * rng.uniform();
        const uint16_t dh = emu::float_to_half(rng.below(2) ? mag : -mag);
        const double d = emu::half_to_float(dh);
        blk[0] = dh & 0xff;
        blk[1] = dh >> 8;
        double* ref = &w.ref[b * MINERVA_QK];
        if (q8) {
            for (int j = 0; j < 32; j++) {
                const int q = rng.below(256) - 128;
                blk[2 + j] = (uint8_t)(int8_t)q;
                ref[j] = d * q;
            }
        } else {
            int q[32];
            for (int j = 0; j < 32; j++) q[j] = rng.below(16);
            for (int j = 0; j < 16; j++) blk[2 + j] = (uint8_t)(q[j] | (q[j + 16] << 4));   // ggml: low j, high j+16
            for (int j = 0; j < 32; j++) ref[j] = d * (q[j] - 8);
        }
    }
    w.dev = Bytes(blocks * bb);                    // same byte count as the file
    chk::quant_split(w.aos.data(), blocks, (int)bb, w.dev.data());
    return w;
}

// addWeightArgs: the pointer, and for Q8_0/Q4_0 the scales at byte rows*K (Q8_0) or rows*K/2 (Q4_0)
const void* wptr(const Weight& w) { return w.dev.data(); }
const __half* wscales(const Weight& w) {
    const long long rowsK = (long long)w.rows * w.K;
    return reinterpret_cast<const __half*>(w.dev.data() + (w.dt == DT::Q8_0 ? rowsK : rowsK / 2));
}

// The host's batch buckets (CudaBackend.gemvEntry): the smallest power of two >= nb, at most max_bucket; and the
// bucket's index in a table of entries nb1, nb2, nb4, ...
int bucket_of(int nb, int max_bucket) { int b = 1; while (b < nb && b < max_bucket) b *= 2; return b; }
int slot_of(int bucket) { return __builtin_ctz((unsigned)bucket); }
#define NB4(N) {N##_nb1, N##_nb2, N##_nb4, N##_nb8}

// y[b*n + r] = sum_c w[r][c] x[b][c] in double; mag = sum |w x| (the accumulation error's scale). X: float or double.
struct Ref { std::vector<double> y, mag; };
template <class X>
Ref reference(const Weight& w, const std::vector<X>& x, int T) {
    Ref r{std::vector<double>((size_t)T * w.rows), std::vector<double>((size_t)T * w.rows)};
    for (int b = 0; b < T; b++)
        for (int i = 0; i < w.rows; i++) {
            double s = 0, m = 0;
            const double* wr = &w.ref[(size_t)i * w.K];
            const X* xb = &x[(size_t)b * w.K];
            for (int c = 0; c < w.K; c++) { const double t = wr[c] * xb[c]; s += t; m += std::fabs(t); }
            r.y[(size_t)b * w.rows + i] = s;
            r.mag[(size_t)b * w.rows + i] = m;
        }
    return r;
}

// |got - want| <= bound elementwise (NaN fails), printed like chk::close plus the worst diff/bound ratio.
void close_bound(const std::string& what, const float* got, const std::vector<double>& want, const std::vector<double>& bound) {
    double worst = -INFINITY, maxdiff = 0, ratio = 0;
    size_t at = 0;
    bool bad = false;
    for (size_t i = 0; i < want.size(); i++) {
        const double d = std::fabs((double)got[i] - want[i]);
        const double excess = std::isnan(d) ? INFINITY : d - bound[i];
        if (!std::isnan(d)) { maxdiff = std::max(maxdiff, d); ratio = std::max(ratio, d / bound[i]); }
        if (excess > worst) { worst = excess; at = i; }
        if (excess > 0) bad = true;
    }
    std::printf("%-4s %-58s n=%-7zu max|diff| %.3e  diff/tol %.1e  worst [%zu] got %.7g want %.7g\n", bad ? "FAIL" : "ok",
                what.c_str(), want.size(), maxdiff, ratio, at, got[at], want[at]);
    if (bad) chk::failures()++;
}
void close_terms(const std::string& what, const float* got, const Ref& r) {
    std::vector<double> bound(r.mag.size());
    for (size_t i = 0; i < bound.size(); i++) bound[i] = kRel * r.mag[i] + 1e-30;
    close_bound(what, got, r.y, bound);
}
// The kGuard floats after `n` must still be the poison: a write past the output would land there.
void guard_ok(const std::string& what, const std::vector<float>& out, size_t n) {
    const float nan = std::nanf("");
    for (size_t i = n; i < n + kGuard; i++)
        if (std::memcmp(&out[i], &nan, 4) != 0) {
            std::printf("FAIL %-58s wrote past its output: element %zu (%zu after the end) = %g\n", what.c_str(), i, i - n, out[i]);
            chk::failures()++;
            return;
        }
}

// Q8_0Codec.quantize's activation path, written out independently of quantize_q8_f32: per 32 values d = max|x| / 127,
// q = round half away from zero (x * (1/d)), and the scale kept is d rounded to f16.
struct QX { Bytes q; std::vector<float> d; std::vector<float> deq; };
QX quantize_ref(const std::vector<float>& x) {
    const size_t n = x.size();
    QX r{Bytes(n), std::vector<float>(n / 32), std::vector<float>(n)};
    for (size_t b = 0; b < n / 32; b++) {
        float amax = 0.f;
        for (int j = 0; j < 32; j++) amax = std::max(amax, std::fabs(x[b * 32 + j]));
        const float d = amax / 127.f, id = d != 0.f ? 1.f / d : 0.f;
        r.d[b] = (float)chk::ref::f16_value(chk::ref::rne_f16(d));
        for (int j = 0; j < 32; j++) {
            const int q = (int)std::round(x[b * 32 + j] * id);
            reinterpret_cast<int8_t*>(r.q.data())[b * 32 + j] = (int8_t)q;
            r.deq[b * 32 + j] = (float)q * r.d[b];
        }
    }
    return r;
}

template <class T> const T* as(const void* p) { return reinterpret_cast<const T*>(p); }
}  // namespace gemvchk
