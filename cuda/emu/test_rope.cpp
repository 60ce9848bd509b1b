// rope.cu on the emulator against float64: rope_freq_f32 (v3), rope_freq_kv_append_f32 (v4), rope_f32 (v1),
// rope_kv_append_f32 (v2).
// Semantics (CpuBackend.rope, RopeFrequencies.of): within each head the pair (2j, 2j+1) is rotated by
// angle = (double)pos * inv_freq[j] (cos/sin in double, rounded to float), a positions entry per row; inv_freq is
// computed on the host (theta^(-2j/hd), Llama 3 scaling included) and ported here from RopeFrequencies.
// v1/v2 take theta instead (llama2.c: freq = 1/powf(theta, hd/head_dim), float angle): checked tightly against
// llama2.c's float angle and, with a bound that grows with the position, against the float64 angle.
// Launches mirrored from the host: CudaBackend.rope and CudaDecoder (plain) run rope_freq_f32 with grid = rows,
// block 128, once on q (width n_heads*hd) and once on k (width n_kv_heads*hd); CudaDecoder (fused) runs
// rope_freq_kv_append_f32 with grid = B, block 128, the layer's cache base (cache is (layer, slot, capacity,
// kv_dim)), slot_stride = capacity*kv_dim floats. v1/v2 have no host caller: grid = rows, block 128 (README).
// The caches start poisoned: every entry the kernel must not write is checked to keep its NaN bits.
#include "rope.cu"
#include "check.h"

namespace {
struct Scaling { double factor, low, high; int orig; };

// RopeFrequencies.of, ported: (hd/2) float frequencies.
std::vector<float> rope_frequencies(int hd, double theta, const Scaling* s) {
    std::vector<float> f(hd / 2);
    for (int i = 0; i < hd / 2; i++) {
        double freq = 1.0 / std::pow(theta, (2.0 * i) / hd);
        if (s) {
            const double low_wl = s->orig / s->low, high_wl = s->orig / s->high, wl = 2 * M_PI / freq;
            if (wl > low_wl) freq = freq / s->factor;
            else if (wl >= high_wl) {
                const double smooth = (s->orig / wl - s->low) / (s->high - s->low);
                freq = (1 - smooth) * freq / s->factor + smooth * freq;
            }
        }
        f[i] = (float)freq;
    }
    return f;
}

// One row of width `width` rotated with per-pair angles angle(freq index).
template <class Angle>
void rotate_ref(const float* in, double* out, int width, int hd, Angle angle) {
    for (int h = 0; h < width; h += hd)
        for (int i = 0; i < hd; i += 2) {
            const double a = angle(i / 2), c = std::cos(a), s = std::sin(a), x0 = in[h + i], x1 = in[h + i + 1];
            out[h + i] = x0 * c - x1 * s;
            out[h + i + 1] = x0 * s + x1 * c;
        }
}

// CPU semantics of v3/v4: angle in double from the float frequency, cos/sin rounded to float (as CpuBackend's table).
void rope_cpu_ref(const std::vector<float>& x, std::vector<double>& out, int rows, int width, int hd,
                  const std::vector<int>& pos, const std::vector<float>& inv) {
    out.assign(x.size(), 0);
    for (int t = 0; t < rows; t++) {
        const float* r = &x[(size_t)t * width];
        for (int h = 0; h < width; h += hd)
            for (int i = 0; i < hd; i += 2) {
                const double a = (double)pos[t] * inv[i / 2];
                const double c = (float)std::cos(a), s = (float)std::sin(a);
                out[(size_t)t * width + h + i] = r[h + i] * c - r[h + i + 1] * s;
                out[(size_t)t * width + h + i + 1] = r[h + i] * s + r[h + i + 1] * c;
            }
    }
}

// v1/v2 references: exact = float64 theta^(-hd/head_dim) * pos; llama2c = the kernel's float angle, sin/cos in double.
void rope_theta_ref(const std::vector<float>& x, std::vector<double>& exact, std::vector<double>& l2c, int rows,
                    int width, int hd, const std::vector<int>& pos, float theta) {
    exact.assign(x.size(), 0);
    l2c.assign(x.size(), 0);
    for (int t = 0; t < rows; t++) {
        rotate_ref(&x[(size_t)t * width], &exact[(size_t)t * width], width, hd,
                   [&](int j) { return pos[t] * std::pow((double)theta, -(2.0 * j) / hd); });
        rotate_ref(&x[(size_t)t * width], &l2c[(size_t)t * width], width, hd, [&](int j) {
            const float freq = 1.0f / powf(theta, (float)(2 * j) / (float)hd);
            return (double)((float)pos[t] * freq);
        });
    }
}

// Every float of `buf` outside `written` must still hold the poison bits.
void untouched(const std::string& what, const std::vector<float>& buf, const std::vector<char>& written) {
    size_t bad = 0, first = 0;
    const uint32_t poison = emu::f2u(std::nanf(""));
    for (size_t i = 0; i < buf.size(); i++)
        if (!written[i] && emu::f2u(buf[i]) != poison) { if (!bad) first = i; bad++; }
    std::printf("%-4s %-58s n=%-7zu stray writes %zu%s\n", bad ? "FAIL" : "ok", what.c_str(), buf.size(), bad,
                bad ? (" first at " + std::to_string(first)).c_str() : "");
    if (bad) chk::failures()++;
}

bool bits_equal(const std::string& what, const float* a, const float* b, size_t n) {
    size_t bad = 0, first = 0;
    for (size_t i = 0; i < n; i++) if (emu::f2u(a[i]) != emu::f2u(b[i])) { if (!bad) first = i; bad++; }
    std::printf("%-4s %-58s n=%-7zu mismatches %zu  first [%zu]\n", bad ? "FAIL" : "ok", what.c_str(), n, bad, first);
    if (bad) chk::failures()++;
    return !bad;
}

struct Model { const char* name; int n_heads, n_kv, hd; double theta; const Scaling* scaling; };

const double kTol = 1e-6;   // float cos/sin (6e-8 relative each) and three float ops on |x| < 1.5

// v3 on q and k separately (CudaBackend.rope, CudaDecoder plain), then v4 on the same inputs (CudaDecoder fused):
// v4's q and cached k must equal v3's bit for bit, v its input, and nothing else in the caches may change.
void run_freq(const Model& m, const std::vector<int>& pos, const std::vector<int>& slots, int capacity, int max_batch) {
    const int T = (int)pos.size(), dim = m.n_heads * m.hd, kv = m.n_kv * m.hd;
    const auto inv = rope_frequencies(m.hd, m.theta, m.scaling);
    const auto q = chk::random((size_t)T * dim, 11), k = chk::random((size_t)T * kv, 12), v = chk::random((size_t)T * kv, 13);
    std::vector<double> wq, wk;
    rope_cpu_ref(q, wq, T, dim, m.hd, pos, inv);
    rope_cpu_ref(k, wk, T, kv, m.hd, pos, inv);
    const std::string tag = std::string(" ") + m.name + " T" + std::to_string(T);

    const auto q3 = chk::both_orders("rope_freq_f32 q" + tag, q, [&](std::vector<float>& o) {
        emu::launch("rope_freq_f32", rope_freq_f32, dim3(T), dim3(128), 0, o.data(), pos.data(), inv.data(), dim, m.hd);
    });
    chk::close("rope_freq_f32 q (width n_heads*hd)" + tag, q3, wq, kTol, kTol);
    const auto k3 = chk::both_orders("rope_freq_f32 k" + tag, k, [&](std::vector<float>& o) {
        emu::launch("rope_freq_f32", rope_freq_f32, dim3(T), dim3(128), 0, o.data(), pos.data(), inv.data(), kv, m.hd);
    });
    chk::close("rope_freq_f32 k (width n_kv_heads*hd)" + tag, k3, wk, kTol, kTol);
    if (capacity == 0) return;   // positions too far for a cache in memory here; v4 shares v3's formula (checked below)

    // one buffer [q | kcache | vcache] so both_orders compares every output; the caches are 2 layers, layer 1 used
    const int layers = 2, layer = 1;
    const long long slot_stride = (long long)capacity * kv, layer_floats = (long long)max_batch * slot_stride;
    const size_t qn = q.size(), cn = (size_t)(layers * layer_floats);
    std::vector<float> init(qn + 2 * cn, std::nanf(""));
    std::copy(q.begin(), q.end(), init.begin());
    const auto out = chk::both_orders("rope_freq_kv_append_f32" + tag, init, [&](std::vector<float>& o) {
        float* kc = o.data() + qn + layer * layer_floats;
        float* vc = o.data() + qn + cn + layer * layer_floats;
        emu::launch("rope_freq_kv_append_f32", rope_freq_kv_append_f32, dim3(T), dim3(128), 0, o.data(), k.data(), v.data(),
                    kc, vc, pos.data(), slots.data(), slot_stride, inv.data(), m.n_heads, m.n_kv, m.hd);
    });
    std::vector<float> q4(out.begin(), out.begin() + qn), kc4(T * (size_t)kv), vc4(T * (size_t)kv);
    std::vector<char> written(out.size(), 0);
    for (int t = 0; t < T; t++)
        for (int e = 0; e < kv; e++) {
            const size_t at = (size_t)(layer * layer_floats + slots[t] * slot_stride + (long long)pos[t] * kv + e);
            kc4[(size_t)t * kv + e] = out[qn + at];
            vc4[(size_t)t * kv + e] = out[qn + cn + at];
            written[qn + at] = written[qn + cn + at] = 1;
        }
    for (size_t i = 0; i < qn; i++) written[i] = 1;
    chk::close("rope_freq_kv_append_f32 q" + tag, q4, wq, kTol, kTol);
    chk::close("rope_freq_kv_append_f32 kcache at (slot, pos)" + tag, kc4, wk, kTol, kTol);
    bits_equal("rope_freq_kv_append_f32 vcache at (slot, pos) == v" + tag, vc4.data(), v.data(), v.size());
    bits_equal("rope_freq_kv_append_f32 q == rope_freq_f32 q" + tag, q4.data(), q3.data(), qn);
    bits_equal("rope_freq_kv_append_f32 kcache == rope_freq_f32 k" + tag, kc4.data(), k3.data(), k3.size());
    untouched("rope_freq_kv_append_f32 rest of both caches" + tag, out, written);
}

// v1 and v2 (theta in the kernel, float angles).
void run_theta(const Model& m, const std::vector<int>& pos, const std::vector<int>& slots, int capacity, int max_batch) {
    const int T = (int)pos.size(), dim = m.n_heads * m.hd, kv = m.n_kv * m.hd;
    const float theta = (float)m.theta;
    const auto q = chk::random((size_t)T * dim, 21), k = chk::random((size_t)T * kv, 22), v = chk::random((size_t)T * kv, 23);
    std::vector<double> eq, ek, lq, lk;
    rope_theta_ref(q, eq, lq, T, dim, m.hd, pos, theta);
    rope_theta_ref(k, ek, lk, T, kv, m.hd, pos, theta);
    int pmax = 0;
    for (int p : pos) pmax = std::max(pmax, p);
    // float angle: the exponent 2j/hd, powf and the product each round (~1.2e-7 * angle overall, angle <= pos)
    const double tol_exact = 2e-6 + 3e-7 * pmax;
    const std::string tag = std::string(" ") + m.name + " T" + std::to_string(T) + " pos<=" + std::to_string(pmax);

    std::vector<float> qk(q);
    qk.insert(qk.end(), k.begin(), k.end());
    const auto o1 = chk::both_orders("rope_f32" + tag, qk, [&](std::vector<float>& o) {
        emu::launch("rope_f32", rope_f32, dim3(T), dim3(128), 0, o.data(), o.data() + q.size(), pos.data(), m.n_heads, m.n_kv, m.hd, theta);
    });
    const std::vector<float> q1(o1.begin(), o1.begin() + q.size()), k1(o1.begin() + q.size(), o1.end());
    chk::close("rope_f32 q vs llama2.c float angle" + tag, q1, lq, kTol, kTol);
    chk::close("rope_f32 k vs llama2.c float angle" + tag, k1, lk, kTol, kTol);
    chk::close("rope_f32 q vs float64 angle" + tag, q1, eq, 0, tol_exact);
    chk::close("rope_f32 k vs float64 angle" + tag, k1, ek, 0, tol_exact);

    const int layers = 1;
    const long long slot_stride = (long long)capacity * kv, layer_floats = (long long)max_batch * slot_stride;
    const size_t qn = q.size(), cn = (size_t)(layers * layer_floats);
    std::vector<float> init(qn + 2 * cn, std::nanf(""));
    std::copy(q.begin(), q.end(), init.begin());
    const auto out = chk::both_orders("rope_kv_append_f32" + tag, init, [&](std::vector<float>& o) {
        emu::launch("rope_kv_append_f32", rope_kv_append_f32, dim3(T), dim3(128), 0, o.data(), k.data(), v.data(),
                    o.data() + qn, o.data() + qn + cn, pos.data(), slots.data(), slot_stride, m.n_heads, m.n_kv, m.hd, theta);
    });
    std::vector<float> q2(out.begin(), out.begin() + qn), kc2(T * (size_t)kv), vc2(T * (size_t)kv);
    std::vector<char> written(out.size(), 0);
    for (size_t i = 0; i < qn; i++) written[i] = 1;
    for (int t = 0; t < T; t++)
        for (int e = 0; e < kv; e++) {
            const size_t at = (size_t)(slots[t] * slot_stride + (long long)pos[t] * kv + e);
            kc2[(size_t)t * kv + e] = out[qn + at];
            vc2[(size_t)t * kv + e] = out[qn + cn + at];
            written[qn + at] = written[qn + cn + at] = 1;
        }
    chk::close("rope_kv_append_f32 q vs llama2.c float angle" + tag, q2, lq, kTol, kTol);
    chk::close("rope_kv_append_f32 kcache vs llama2.c float angle" + tag, kc2, lk, kTol, kTol);
    chk::close("rope_kv_append_f32 kcache vs float64 angle" + tag, kc2, ek, 0, tol_exact);
    bits_equal("rope_kv_append_f32 vcache at (slot, pos) == v" + tag, vc2.data(), v.data(), v.size());
    bits_equal("rope_kv_append_f32 q == rope_f32 q" + tag, q2.data(), q1.data(), qn);
    bits_equal("rope_kv_append_f32 kcache == rope_f32 k" + tag, kc2.data(), k1.data(), k1.size());
    untouched("rope_kv_append_f32 rest of both caches" + tag, out, written);
}
}  // namespace

int main() {
    static const Scaling llama32{32.0, 1.0, 4.0, 8192};
    const Model stories260k{"stories260K h8/4 hd8", 8, 4, 8, 10000, nullptr};
    const Model stories15m{"stories15M h6/6 hd48", 6, 6, 48, 10000, nullptr};
    const Model tinyllama{"TinyLlama h32/4 hd64", 32, 4, 64, 10000, nullptr};
    const Model llama3{"Llama-3.2-1B h32/8 hd64 scaled", 32, 8, 64, 500000, &llama32};
    const Model hd128{"h4/2 hd128 scaled", 4, 2, 128, 500000, &llama32};

    // prefill-like rows (consecutive positions, one sequence) and decode-like rows (one per slot, own positions)
    run_freq(stories260k, {0, 1, 2, 3, 4, 5, 6}, {0, 0, 0, 0, 0, 0, 0}, 8, 1);
    run_freq(stories15m, {0, 1, 255, 17}, {2, 0, 1, 3}, 256, 4);
    run_freq(tinyllama, {2047, 0, 1000}, {0, 1, 2}, 2048, 3);             // CudaDecoder: slots[i] = i
    run_freq(llama3, {131071, 8191, 70000, 3}, {}, 0, 0);                 // long-context angles, no cache
    run_freq(llama3, {40, 299, 0, 3}, {3, 1, 0, 2}, 300, 4);
    run_freq(hd128, {5, 100000}, {}, 0, 0);
    run_freq(hd128, {5, 63}, {1, 0}, 64, 2);

    run_theta(stories260k, {0, 1, 2, 3, 4}, {0, 0, 0, 0, 0}, 8, 1);
    run_theta(stories15m, {3, 255, 0}, {1, 2, 0}, 256, 3);
    run_theta(tinyllama, {2047, 1, 600}, {2, 0, 1}, 2048, 3);
    return chk::summary("rope");
}
