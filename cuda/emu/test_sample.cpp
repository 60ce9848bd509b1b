// sample.cu on the emulator: argmax_f32, argmax_prob_f32, sample_topkp_f32, rng_advance, decode_advance.
// argmax_f32 must pick what the CPU's greedy Sampler picks (best = 0; best = i when l[i] > l[best]): ties -> the
//   smallest index (within a thread, across lanes and warps, -0 == +0), -inf rows -> 0, NaNs never win, and a NaN at
//   index 0 wins the whole row (every comparison with it is false); all-NaN rows -> 0.
// argmax_prob_f32 on the same rows: the same token, and the probability the greedy Sampler reports
//   (softmaxOfArgmax: 1 / sum_j exp(l_j - l_best), the difference in float) to 1e-5 relative of float64; NaN exactly
//   where the Sampler's is (a NaN logit anywhere, l_best = +inf, a row of -inf).
// sample_topkp_f32 against a port of dev.minerva.backend.cuda.reference.TopKTopPReference (the Java spec of this
//   kernel, what gpu-check compares the GPU with): token for token, probability to 1e-5; the token must lie in the
//   top-k ∩ top-p set computed independently in float64 (ties at the threshold kept); top_k = 1 and a tiny top_p
//   must give the argmax with probability 1; and over 256 draws (four launches, rng_advance between them) the
//   tokens must follow the kept distribution (chi-square, p > 0.001; the seeds are fixed, so it is deterministic).
// rng_advance: counter += rows, seed untouched, once per launch whatever the grid. decode_advance: pos += 1, lens = pos + 1.
// Launches as the host: CudaDecoder / GpuCheck run argmax_f32 and sample_topkp_f32 with grid = rows, block 1024,
// rng state {seed, counter} in device memory (argmax_prob_f32 the same: grid = rows, block 1024); decode_advance
// grid 1, block 128 (CudaDecoder). rng_advance has no host caller: grid 1, block 1. The distribution check alone
// runs sample_topkp_f32 with 64 threads per row (the kernel takes any multiple of 32; a 1024-thread row costs ~1 s of
// emulation), in forward order, with large-magnitude logits (2^20 + offsets: their threshold search takes ~7 steps
// instead of ~31); the exact checks run at 1024.
#include "sample.cu"
#include "check.h"

namespace {
// ---------------------------------------------------------------- references
int cpu_argmax(const float* l, int n) {             // engine.Sampler, temperature 0
    int best = 0;
    for (int i = 1; i < n; i++) if (l[i] > l[best]) best = i;
    return best;
}

// engine.Sampler.softmaxOfArgmax in float64: 1 / sum_j exp(l_j - l_best), l_j - l_best rounded to float as in Java
// (the Vector API's sub, the tail's float subtraction); NaN when any term is (NaN, inf - inf, -inf - -inf).
double cpu_softmax_of_argmax(const float* l, int n, int best) {
    double sum = 0;
    for (int j = 0; j < n; j++) sum += std::exp((double)(l[j] - l[best]));
    return 1.0 / sum;
}

uint64_t splitmix(uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}
uint32_t key(float f) { const uint32_t u = emu::f2u(f); return (u & 0x80000000u) ? ~u : (u | 0x80000000u); }
float unkey(uint32_t k) { return emu::u2f((k & 0x80000000u) ? (k & 0x7fffffffu) : ~k); }

struct Draw { int token; float prob; int kept; };

// TopKTopPReference.threshold + sample, line for line (Java float/double semantics: (float) Math.exp(float)).
Draw topkp_ref(const float* l, int n, float temp, int top_k, float top_p, uint64_t seed, uint64_t counter, int row) {
    const float inv = 1.0f / temp;
    const bool use_k = top_k > 0 && top_k < n, use_p = top_p > 0.f && top_p < 1.f;
    float mx = -INFINITY, mn = INFINITY;
    for (int i = 0; i < n; i++) { const float z = l[i] * inv; mx = std::max(mx, z); mn = std::min(mn, z); }
    float total = 0.f;
    for (int i = 0; i < n; i++) total += (float)std::exp((double)(l[i] * inv - mx));
    uint64_t lo = key(mn), hi = key(mx);
    if (use_k || use_p) {
        while (lo < hi) {
            const uint64_t mid = lo + (hi - lo + 1) / 2;
            const float tau = unkey((uint32_t)mid);
            int cnt = 0;
            float mass = 0.f;
            for (int i = 0; i < n; i++) { const float z = l[i] * inv; if (z >= tau) { cnt++; mass += (float)std::exp((double)(z - mx)); } }
            const bool ok = (use_k && cnt >= top_k) || (use_p && mass >= top_p * total);
            if (ok) lo = mid; else hi = mid - 1;
        }
    }
    const float tau = unkey((uint32_t)lo);
    double kept_mass = 0;
    int kept = 0, last = -1;
    for (int i = 0; i < n; i++) { const float z = l[i] * inv; if (z >= tau) { kept_mass += std::exp((double)(z - mx)); kept++; last = i; } }
    const float u = (float)(splitmix(seed ^ splitmix(counter + row)) >> 40) * (1.0f / 16777216.0f);
    const double target = u * kept_mass;
    double acc = 0;
    int pick = last;
    for (int i = 0; i < n; i++) {
        const float z = l[i] * inv;
        if (z >= tau) { acc += std::exp((double)(z - mx)); if (acc > target) { pick = i; break; } }
    }
    return {pick, (float)(std::exp((double)(l[pick] * inv - mx)) / kept_mass), kept};
}

// The top-k ∩ top-p set from its definition, in float64 over the float z = l * (1/T) the kernel sees: top-k keeps
// z >= the k-th largest z, top-p keeps z >= the smallest value of the shortest best-first prefix (ties whole) whose
// mass reaches p; also returns each kept token's probability within the set.
std::vector<std::pair<int, double>> kept_set(const float* l, int n, float temp, int top_k, float top_p) {
    const float inv = 1.0f / temp;
    std::vector<float> z(n);
    for (int i = 0; i < n; i++) z[i] = l[i] * inv;
    std::vector<float> s(z);
    std::sort(s.begin(), s.end(), std::greater<float>());
    const double mx = s[0];
    double total = 0;
    for (float v : s) total += std::exp(v - mx);
    float tau = s[n - 1];
    if (top_k > 0 && top_k < n) tau = std::max(tau, s[top_k - 1]);
    if (top_p > 0.f && top_p < 1.f) {
        double mass = 0;
        for (int i = 0; i < n; i++) {
            mass += std::exp(s[i] - mx);
            if ((i + 1 == n || s[i + 1] != s[i]) && mass >= (double)top_p * total) { tau = std::max(tau, s[i]); break; }
        }
    }
    std::vector<std::pair<int, double>> kept;
    double km = 0;
    for (int i = 0; i < n; i++) if (z[i] >= tau) { kept.push_back({i, std::exp(z[i] - mx)}); km += std::exp(z[i] - mx); }
    for (auto& k : kept) k.second /= km;
    return kept;
}

std::vector<float> gaussian(size_t n, uint64_t seed, float sigma) {
    chk::Rng r(seed);
    std::vector<float> v(n);
    for (float& x : v) {
        const double u1 = 1.0 - r.uniform(), u2 = r.uniform();          // Box-Muller, u1 in (0, 1]
        x = (float)(sigma * std::sqrt(-2 * std::log(u1)) * std::cos(2 * M_PI * u2));
    }
    return v;
}

void int_check(const std::string& what, const std::vector<int>& got, const std::vector<int>& want) {
    size_t bad = 0, first = 0;
    for (size_t i = 0; i < got.size(); i++) if (got[i] != want[i]) { if (!bad) first = i; bad++; }
    std::printf("%-4s %-58s n=%-7zu mismatches %zu  first [%zu] got %d want %d\n", bad ? "FAIL" : "ok", what.c_str(),
                got.size(), bad, first, got.empty() ? 0 : got[first], want.empty() ? 0 : want[first]);
    if (bad) chk::failures()++;
}

// argmax_prob_f32's probabilities: NaN exactly where the reference's is; elsewhere |got - want| <= rtol * |want|.
void prob_check(const std::string& what, const std::vector<float>& got, const std::vector<double>& want, double rtol) {
    std::vector<float> g;
    std::vector<double> w;
    size_t nans = 0, bad = 0;
    for (size_t i = 0; i < got.size(); i++) {
        if (std::isnan(want[i])) { nans++; if (!std::isnan(got[i])) { bad++; std::printf("     row %zu: got %g want NaN\n", i, got[i]); } }
        else { g.push_back(got[i]); w.push_back(want[i]); }
    }
    std::printf("%-4s %-58s n=%-7zu NaN rows %zu, not NaN here %zu\n", bad ? "FAIL" : "ok",
                ("argmax_prob_f32 prob NaN where the Sampler's is, " + what).c_str(), got.size(), nans, bad);
    if (bad) chk::failures()++;
    chk::close("argmax_prob_f32 prob == softmaxOfArgmax, " + what, g, w, rtol, 0);
}

// ---------------------------------------------------------------- argmax
void argmax_rows(int vocab, const std::vector<std::vector<float>>& rows, const std::string& what) {
    const int R = (int)rows.size();
    std::vector<float> l;
    std::vector<int> want;
    for (const auto& r : rows) { l.insert(l.end(), r.begin(), r.end()); want.push_back(cpu_argmax(r.data(), vocab)); }
    const auto got = chk::both_orders("argmax_f32 " + what, std::vector<int>(R, -7), [&](std::vector<int>& o) {
        emu::launch("argmax_f32", argmax_f32, dim3(R), dim3(1024), 0, l.data(), vocab, o.data());
    });
    for (int r = 0; r < R; r++)
        if (got[r] != want[r]) std::printf("     row %d: got %d (%g) want %d (%g)\n", r, got[r], rows[r][got[r] < 0 || got[r] >= vocab ? 0 : got[r]], want[r], rows[r][want[r]]);
    int_check("argmax_f32 == CPU greedy Sampler, " + what, got, want);

    // argmax_prob_f32: [tokens as float bits | probabilities] in one poisoned buffer, compared bit for bit across orders
    const auto o = chk::both_orders("argmax_prob_f32 " + what, chk::poisoned(2 * (size_t)R), [&](std::vector<float>& b) {
        emu::launch("argmax_prob_f32", argmax_prob_f32, dim3(R), dim3(1024), 0, l.data(), vocab, (int*)b.data(), b.data() + R);
    });
    std::vector<int> ptok(R);
    std::vector<float> prob(o.begin() + R, o.end());
    std::vector<double> want_prob;
    for (int r = 0; r < R; r++) {
        std::memcpy(&ptok[r], &o[r], 4);
        want_prob.push_back(cpu_softmax_of_argmax(rows[r].data(), vocab, want[r]));
    }
    int_check("argmax_prob_f32 token == CPU greedy Sampler, " + what, ptok, want);
    prob_check(what, prob, want_prob, 1e-5);
}

void argmax_tests() {
    const int V = 32000;
    std::vector<std::vector<float>> rows;
    auto row = [&](uint64_t seed) { return gaussian(V, seed, 3.f); };
    rows.push_back(row(1));                                                           // plain
    { auto r = row(2); r[123] = r[77] = 50.f; rows.push_back(r); }                     // gpu-check's tie: 77
    { auto r = row(3); r[V - 1] = 40.f; rows.push_back(r); }                           // last index
    { auto r = row(4); r[0] = 40.f; rows.push_back(r); }                               // first index
    rows.push_back(std::vector<float>(V, -INFINITY));                                 // nothing finite: 0
    rows.push_back(std::vector<float>(V, NAN));                                       // all NaN: 0
    { auto r = row(7); for (int i = 0; i < V; i += 3) r[i + 1] = NAN; r[5001] = 30.f; r[5002] = NAN; rows.push_back(r); }
    { std::vector<float> r(V, -INFINITY); r[5000] = -1e30f; r[31999] = -1e30f; rows.push_back(r); }
    { auto r = row(9); r[2047] = INFINITY; r[9000] = INFINITY; r[3] = INFINITY; rows.push_back(r); }  // +inf ties: 3
    rows.push_back(std::vector<float>(V, 1.5f));                                      // all equal: 0
    { auto r = row(11); for (float& x : r) x = -std::fabs(x) - 1; r[10] = -0.f; r[700] = 0.f; rows.push_back(r); }  // -0 == +0: 10
    { auto r = row(12); r[1027] = r[3] = 60.f; rows.push_back(r); }                    // same thread (3), later pass: 3
    { auto r = row(13); r[2047] = r[5] = r[64 + 5] = 60.f; rows.push_back(r); }        // lanes and warps: 5
    { auto r = row(14); r[31 * 32 + 1] = r[30 * 32 + 2] = 60.f; rows.push_back(r); }   // across warps only: 962
    { auto r = row(17); r[1024] = r[5] = 60.f; rows.push_back(r); }                    // lane 0's is the later index: 5
    { auto r = row(18); r[2048] = r[40] = 60.f; rows.push_back(r); }                   // warp 0's is the later index: 40
    { auto r = row(15); r[0] = NAN; rows.push_back(r); }                               // NaN at 0: the CPU answers 0
    { auto r = row(16); r[0] = NAN; r[1] = -INFINITY; r[9] = 100.f; rows.push_back(r); }
    argmax_rows(V, rows, "vocab 32000");

    rows.clear();
    for (int s = 0; s < 3; s++) rows.push_back(gaussian(512, 20 + s, 2.f));           // stories260K's vocabulary
    rows[1][511] = rows[1][100] = 9.f;
    argmax_rows(512, rows, "vocab 512");

    rows.clear();
    rows.push_back(gaussian(20, 30, 1.f));                                            // fewer logits than threads
    { std::vector<float> r(20, NAN); r[19] = -INFINITY; rows.push_back(r); }
    { std::vector<float> r(20, -5.f); r[0] = NAN; r[1] = 2.f; rows.push_back(r); }
    argmax_rows(20, rows, "vocab 20");
    argmax_rows(1, {{-3.f}, {NAN}}, "vocab 1");
    argmax_rows(128256, {gaussian(128256, 40, 3.f)}, "vocab 128256");
}

// ---------------------------------------------------------------- top-k / top-p
struct Out { std::vector<int> tok; std::vector<float> prob; };

// One launch of `rows` rows (grid = rows) with `threads` per row; outputs [tokens as float bits | probs] in one
// poisoned buffer so both orders are compared bit for bit.
Out sample_launch(const std::string& what, const std::vector<float>& l, int rows, int vocab, float temp, int top_k, float top_p,
                  const unsigned long long* rng, int threads, bool both) {
    auto body = [&](std::vector<float>& o) {
        emu::launch("sample_topkp_f32", sample_topkp_f32, dim3(rows), dim3(threads), 0, l.data(), vocab, temp, top_k, top_p, rng,
                    (int*)o.data(), o.data() + rows);
    };
    std::vector<float> o = chk::poisoned(2 * (size_t)rows);
    if (both) o = chk::both_orders(what, o, body);
    else body(o);
    Out r;
    for (int i = 0; i < rows; i++) { int t; std::memcpy(&t, &o[i], 4); r.tok.push_back(t); r.prob.push_back(o[rows + i]); }
    return r;
}

void exact_topkp(const std::string& what, const std::vector<float>& l, int rows, int vocab, float temp, int top_k, float top_p,
                 uint64_t seed, uint64_t counter, bool expect_argmax) {
    const unsigned long long rng[2] = {seed, counter};
    const std::string tag = what + " T=" + std::to_string(temp).substr(0, 4) + " k=" + std::to_string(top_k) + " p=" +
                            std::to_string(top_p).substr(0, 8) + " vocab " + std::to_string(vocab);
    const Out o = sample_launch("sample_topkp_f32 " + tag, l, rows, vocab, temp, top_k, top_p, rng, 1024, true);
    std::vector<int> want_tok;
    std::vector<double> want_prob;
    int outside = 0, kept_max = 0;
    for (int r = 0; r < rows; r++) {
        const float* row = &l[(size_t)r * vocab];
        const Draw d = topkp_ref(row, vocab, temp, top_k, top_p, seed, counter, r);
        want_tok.push_back(expect_argmax ? cpu_argmax(row, vocab) : d.token);
        want_prob.push_back(expect_argmax ? 1.0 : d.prob);
        const auto kept = kept_set(row, vocab, temp, top_k, top_p);
        kept_max = std::max(kept_max, (int)kept.size());
        bool in = false;
        for (const auto& k : kept) in = in || k.first == o.tok[r];
        if (!in) { outside++; std::printf("     row %d: token %d is outside the top-k/top-p set of %zu\n", r, o.tok[r], kept.size()); }
        if ((int)kept.size() != d.kept) std::printf("     row %d: float64 kept set %zu, reference's %d\n", r, kept.size(), d.kept);
    }
    int_check("sample_topkp_f32 token == TopKTopPReference" + std::string(expect_argmax ? " == argmax " : " ") + tag, o.tok, want_tok);
    chk::close("sample_topkp_f32 probability " + tag, o.prob, want_prob, 1e-5, 1e-7);
    std::printf("%-4s %-58s rows=%-4d outside %d (largest set %d)\n", outside ? "FAIL" : "ok",
                ("sample_topkp_f32 token in top-k ∩ top-p " + tag).c_str(), rows, outside, kept_max);
    if (outside) chk::failures()++;
}

void topkp_tests() {
    const int V = 32000;
    // gpu-check's configuration (randn * 3, T 0.8, k 40, p 0.9, counter 1000), one row (each costs ~1 s here), with a
    // tie at the top (both kept) and masked (-inf) tokens
    std::vector<float> l = gaussian(2 * (size_t)V, 50, 3.f);
    std::vector<float> one(l.begin(), l.begin() + V);
    exact_topkp("(top-k 1)", one, 1, V, 0.8f, 1, 1.0f, 5, 0, true);
    exact_topkp("(top-p tiny)", one, 1, V, 1.3f, 0, 1e-6f, 6, 0, true);
    one[123] = one[77] = 12.f;
    for (int i = 0; i < V; i += 97) one[i] = -INFINITY;
    exact_topkp("(gpu-check)", one, 1, V, 0.8f, 40, 0.9f, 1234, 1000, false);
    exact_topkp("(no filter)", l, 2, V, 1.0f, V, 1.0f, 99, 7, false);                 // k = vocab and p = 1: all kept
}

void distribution_test() {
    // a handful of likely tokens spread over threads and both warps of a 64-thread row, the rest far below
    const int V = 300, rows = 64, launches = 4;
    const float temp = 0.8f, top_p = 0.85f;
    const int top_k = 6;
    std::vector<float> row(V);
    chk::Rng r(60);
    for (int i = 0; i < V; i++) row[i] = 1048576.f - 6.f - 0.125f * r.below(16);
    const int top[] = {3, 70, 71, 150, 299, 200, 9, 64};
    const float off[] = {0.f, -0.25f, -0.5f, -0.875f, -1.25f, -1.5f, -1.75f, -2.f};
    for (int i = 0; i < 8; i++) row[top[i]] = 1048576.f + off[i];
    std::vector<float> l;
    for (int i = 0; i < rows; i++) l.insert(l.end(), row.begin(), row.end());
    const auto kept = kept_set(row.data(), V, temp, top_k, top_p);

    unsigned long long rng[2] = {20240611, 0};
    std::vector<int> count(V, 0), got, want;
    int outside = 0;
    for (int k = 0; k < launches; k++) {
        const Out o = sample_launch("", l, rows, V, temp, top_k, top_p, rng, 64, false);
        for (int i = 0; i < rows; i++) {
            got.push_back(o.tok[i]);
            want.push_back(topkp_ref(row.data(), V, temp, top_k, top_p, rng[0], rng[1], i).token);
            bool in = false;
            for (const auto& kk : kept) in = in || kk.first == o.tok[i];
            outside += !in;
            if (o.tok[i] >= 0 && o.tok[i] < V) count[o.tok[i]]++;
        }
        emu::launch("rng_advance", rng_advance, dim3(1), dim3(1), 0, rng, rows);
    }
    const int n = rows * launches;
    int_check("sample_topkp_f32 64 threads: 256 draws == TopKTopPReference", got, want);
    double chi2 = 0;
    std::string shares;
    for (const auto& kk : kept) {
        const double e = n * kk.second;
        chi2 += (count[kk.first] - e) * (count[kk.first] - e) / e;
        char b[48];
        std::snprintf(b, sizeof b, " %d:%d/%.1f", kk.first, count[kk.first], e);
        shares += b;
    }
    static const double crit[] = {10.83, 13.82, 16.27, 18.47, 20.52, 22.46, 24.32};   // chi-square 0.999 quantiles, df 1..7
    const int df = (int)kept.size() - 1;
    const bool ok = outside == 0 && df >= 1 && df <= 7 && chi2 < crit[df - 1];
    std::printf("%-4s %-58s draws %d outside %d chi2 %.2f (df %d, limit %.2f)  token:seen/expected%s\n", ok ? "ok" : "FAIL",
                "sample_topkp_f32 draws follow the kept distribution", n, outside, chi2, df, df >= 1 && df <= 7 ? crit[df - 1] : 0.0,
                shares.c_str());
    if (!ok) chk::failures()++;
}

// ---------------------------------------------------------------- rng_advance, decode_advance
void state_tests() {
    const std::vector<unsigned long long> s0 = {0xfeedfacecafebeefull, 1000};
    const auto s1 = chk::both_orders("rng_advance", s0, [&](std::vector<unsigned long long>& s) {
        emu::launch("rng_advance", rng_advance, dim3(1), dim3(1), 0, s.data(), 37);
    });
    const auto s2 = chk::both_orders("rng_advance (grid 3, block 64)", s0, [&](std::vector<unsigned long long>& s) {
        emu::launch("rng_advance", rng_advance, dim3(3), dim3(64), 0, s.data(), 37);
    });
    const bool ok = s1[0] == s0[0] && s1[1] == 1037 && s2 == s1;
    std::printf("%-4s %-58s seed %s, counter 1000 -> %llu (grid 3x64: %llu)\n", ok ? "ok" : "FAIL", "rng_advance: counter += rows",
                s1[0] == s0[0] ? "kept" : "CHANGED", s1[1], s2[1]);
    if (!ok) chk::failures()++;

    for (int n : {1, 3, 32, 300}) {
        std::vector<int> pos(n), init(2 * n, -99);
        for (int i = 0; i < n; i++) pos[i] = (i * 37) % 2048;
        std::copy(pos.begin(), pos.end(), init.begin());
        const auto o = chk::both_orders("decode_advance", init, [&](std::vector<int>& b) {
            emu::launch("decode_advance", decode_advance, dim3(1), dim3(128), 0, b.data(), b.data() + n, n);
        });
        std::vector<int> want(2 * n);
        for (int i = 0; i < n; i++) { want[i] = pos[i] + 1; want[n + i] = pos[i] + 2; }
        int_check("decode_advance pos += 1, lens = pos + 1, B=" + std::to_string(n), o, want);
    }
}
}  // namespace

int main() {
    argmax_tests();
    topkp_tests();
    distribution_test();
    state_tests();
    return chk::summary("sample");
}
