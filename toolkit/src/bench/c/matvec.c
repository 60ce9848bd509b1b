// A native reference for Minerva's CPU mat-vec kernels: the same product (out = W . x, one token) for F32,
// Q8_0 and Q4_0 weights in ggml's block layouts, written with the x86 instructions the Java Vector API lacks
// (pmaddubsw, pmaddwd), compiled with gcc -O3 -march=native -fopenmp. toolkit/scripts/matvec-vs-c.sh runs it
// interleaved with the Java kernels (MatvecProbe) so that their speed is a ratio measured in the same hour on the
// same machine, rather than against peers' figures from another day.
//
// Quantised weights multiply activations quantised to Q8_0 per call (32 values, scale max|x|/127, round half
// away from zero), as the Java kernels and llama.cpp do; that quantisation is inside the timing, for both.
//
// usage: matvec DTYPE ROWS COLS THREADS [COPIES]
//   DTYPE   f32 | q8_0 | q4_0
//   COPIES  distinct weight matrices cycled through (default 1: the matrix may sit in the last-level cache;
//           enough copies to exceed it make every pass stream from DRAM, as a decode step does)
// prints one line: DTYPE ROWSxCOLS T=1 thr=N copies=C  <best us per matvec>  <GB/s of weight bytes>  maxdiff=<vs scalar>
#include <immintrin.h>
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if !defined(__AVX2__) || !defined(__FMA__) || !defined(__F16C__)
#error "matvec.c needs AVX2, FMA and F16C (compile with -march=native on such a machine)"
#endif

enum dtype { F32, Q8_0, Q4_0 };

static size_t row_bytes(enum dtype t, int cols) {
    switch (t) {
        case F32: return (size_t) cols * 4;
        case Q8_0: return (size_t) cols / 32 * 34;
        default: return (size_t) cols / 32 * 18;
    }
}

static float f16_to_f32(const uint8_t *p) { uint16_t h; memcpy(&h, p, 2); return _cvtsh_ss(h); }
static void f32_to_f16(float f, uint8_t *p) { uint16_t h = _cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT); memcpy(p, &h, 2); }

// splitmix64, for reproducible random weights
static uint64_t rng_state = 1;
static float uniform(void) {
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return (float) ((z >> 11) * 0x1.0p-53) * 2.0f - 1.0f;
}

// Q8_0 quantisation of 32 floats: the rule the Java codec and ggml use
static float quantise_block(const float *x, int8_t *q) {
    float amax = 0;
    for (int j = 0; j < 32; j++) amax = fmaxf(amax, fabsf(x[j]));
    float d = amax / 127.0f, id = d != 0 ? 1.0f / d : 0;
    for (int j = 0; j < 32; j++) q[j] = (int8_t) roundf(x[j] * id);
    return d;
}

static void fill_row(enum dtype t, uint8_t *row, int cols) {
    float x[32];
    for (int b = 0; b < cols / 32; b++) {
        for (int j = 0; j < 32; j++) x[j] = uniform();
        if (t == F32) { memcpy(row + (size_t) b * 128, x, 128); continue; }
        int8_t q[32];
        float d = quantise_block(x, q);
        if (t == Q8_0) {
            uint8_t *blk = row + (size_t) b * 34;
            f32_to_f16(d, blk);
            memcpy(blk + 2, q, 32);
        } else {
            // Q4_0: scale max/-8 so the largest magnitude maps to -8; nibble j holds element j (low) and j+16 (high)
            float amax = 0, m = 0;
            for (int j = 0; j < 32; j++) if (fabsf(x[j]) > amax) { amax = fabsf(x[j]); m = x[j]; }
            float d4 = m / -8.0f, id = d4 != 0 ? 1.0f / d4 : 0;
            uint8_t *blk = row + (size_t) b * 18;
            f32_to_f16(d4, blk);
            for (int j = 0; j < 16; j++) {
                int lo = (int) fminf(15.0f, x[j] * id + 8.5f), hi = (int) fminf(15.0f, x[j + 16] * id + 8.5f);
                blk[2 + j] = (uint8_t) (lo | (hi << 4));
            }
        }
    }
}

// ---------------------------------------------------------------- SIMD kernels

static inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

static float dot_f32(const float *w, const float *x, int n) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (int i = 0; i < n; i += 32) {
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i), _mm256_loadu_ps(x + i), a0);
        a1 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i + 8), _mm256_loadu_ps(x + i + 8), a1);
        a2 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i + 16), _mm256_loadu_ps(x + i + 16), a2);
        a3 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i + 24), _mm256_loadu_ps(x + i + 24), a3);
    }
    return hsum(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
}

// 32 signed int8 weights times 32 signed int8 activations, as 8 int32 lanes: pmaddubsw takes an unsigned and a
// signed operand, so |w| (unsigned) meets x with w's sign moved onto it; the pairwise int16 sums fit, since
// |w|, |x| <= 127 gives at most 2 * 127 * 127; pmaddwd with ones then sums int16 pairs into int32.
static inline __m256i dot32(__m256i w, __m256i x) {
    __m256i p16 = _mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(x, w));
    return _mm256_madd_epi16(p16, _mm256_set1_epi16(1));
}

static float dot_q8(const uint8_t *w, const int8_t *xq, const float *xs, int nb) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0;
    int b = 0;
    for (; b + 1 < nb; b += 2) {
        const uint8_t *p = w + (size_t) b * 34;
        __m256i s0 = dot32(_mm256_loadu_si256((const __m256i *) (p + 2)), _mm256_loadu_si256((const __m256i *) (xq + b * 32)));
        __m256i s1 = dot32(_mm256_loadu_si256((const __m256i *) (p + 36)), _mm256_loadu_si256((const __m256i *) (xq + b * 32 + 32)));
        a0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s0), _mm256_set1_ps(f16_to_f32(p) * xs[b]), a0);
        a1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s1), _mm256_set1_ps(f16_to_f32(p + 34) * xs[b + 1]), a1);
    }
    for (; b < nb; b++) {
        const uint8_t *p = w + (size_t) b * 34;
        __m256i s0 = dot32(_mm256_loadu_si256((const __m256i *) (p + 2)), _mm256_loadu_si256((const __m256i *) (xq + b * 32)));
        a0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s0), _mm256_set1_ps(f16_to_f32(p) * xs[b]), a0);
    }
    return hsum(_mm256_add_ps(a0, a1));
}

// 16 packed bytes -> 32 int8 values in element order (low nibbles are elements 0..15, high nibbles 16..31), minus 8
static inline __m256i unpack_q4(const uint8_t *p) {
    __m128i v = _mm_loadu_si128((const __m128i *) p);
    __m256i both = _mm256_set_m128i(_mm_srli_epi16(v, 4), v);
    return _mm256_sub_epi8(_mm256_and_si256(both, _mm256_set1_epi8(0x0F)), _mm256_set1_epi8(8));
}

static float dot_q4(const uint8_t *w, const int8_t *xq, const float *xs, int nb) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0;
    int b = 0;
    for (; b + 1 < nb; b += 2) {
        const uint8_t *p = w + (size_t) b * 18;
        __m256i s0 = dot32(unpack_q4(p + 2), _mm256_loadu_si256((const __m256i *) (xq + b * 32)));
        __m256i s1 = dot32(unpack_q4(p + 20), _mm256_loadu_si256((const __m256i *) (xq + b * 32 + 32)));
        a0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s0), _mm256_set1_ps(f16_to_f32(p) * xs[b]), a0);
        a1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s1), _mm256_set1_ps(f16_to_f32(p + 18) * xs[b + 1]), a1);
    }
    for (; b < nb; b++) {
        const uint8_t *p = w + (size_t) b * 18;
        __m256i s0 = dot32(unpack_q4(p + 2), _mm256_loadu_si256((const __m256i *) (xq + b * 32)));
        a0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s0), _mm256_set1_ps(f16_to_f32(p) * xs[b]), a0);
    }
    return hsum(_mm256_add_ps(a0, a1));
}

// ---------------------------------------------------------------- scalar reference (checks the SIMD kernels)

static double ref_row(enum dtype t, const uint8_t *w, const float *x, const int8_t *xq, const float *xs, int cols) {
    double s = 0;
    for (int b = 0; b < cols / 32; b++) {
        if (t == F32) { for (int j = 0; j < 32; j++) s += (double) ((const float *) w)[b * 32 + j] * x[b * 32 + j]; continue; }
        const uint8_t *p = w + (size_t) b * (t == Q8_0 ? 34 : 18);
        long acc = 0;
        for (int j = 0; j < 32; j++) {
            int wv = t == Q8_0 ? (int8_t) p[2 + j] : (j < 16 ? (p[2 + j] & 0x0F) : (p[2 + j - 16] >> 4)) - 8;
            acc += (long) wv * xq[b * 32 + j];
        }
        s += (double) acc * f16_to_f32(p) * xs[b];
    }
    return s;
}

// ---------------------------------------------------------------- the timed product

static void matvec(enum dtype t, const uint8_t *w, int rows, int cols, const float *x, int8_t *xq, float *xs, float *out) {
    int nb = cols / 32;
    if (t != F32) for (int b = 0; b < nb; b++) xs[b] = quantise_block(x + b * 32, xq + b * 32);
    size_t rb = row_bytes(t, cols);
#pragma omp parallel for schedule(static)
    for (int r = 0; r < rows; r++) {
        const uint8_t *row = w + (size_t) r * rb;
        out[r] = t == F32 ? dot_f32((const float *) row, x, cols) : t == Q8_0 ? dot_q8(row, xq, xs, nb) : dot_q4(row, xq, xs, nb);
    }
}

// aligned_alloc wants a size that is a multiple of the alignment
static void *alloc64(size_t bytes) { return aligned_alloc(64, (bytes + 63) / 64 * 64); }

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: %s f32|q8_0|q4_0 ROWS COLS THREADS [COPIES]\n", argv[0]);
        return 2;
    }
    enum dtype t = !strcmp(argv[1], "f32") ? F32 : !strcmp(argv[1], "q8_0") ? Q8_0 : !strcmp(argv[1], "q4_0") ? Q4_0 : -1;
    int rows = atoi(argv[2]), cols = atoi(argv[3]), threads = atoi(argv[4]), copies = argc > 5 ? atoi(argv[5]) : 1;
    if ((int) t < 0) { fprintf(stderr, "matvec: unknown dtype '%s' (f32, q8_0, q4_0)\n", argv[1]); return 2; }
    if (rows <= 0 || cols <= 0 || cols % 32 != 0 || threads <= 0 || copies <= 0) {
        fprintf(stderr, "matvec: need ROWS > 0, COLS a positive multiple of 32, THREADS > 0, COPIES > 0\n");
        return 2;
    }
    omp_set_num_threads(threads);
    size_t bytes = row_bytes(t, cols) * rows;
    uint8_t *w = alloc64(bytes * copies);
    float *x = alloc64((size_t) cols * 4), *xs = malloc((size_t) cols / 32 * 4), *out = malloc((size_t) rows * 4);
    int8_t *xq = alloc64((size_t) cols);
    if (!w || !x || !xs || !out || !xq) { fprintf(stderr, "matvec: out of memory for %zu bytes of weights\n", bytes * copies); return 1; }
    for (int r = 0; r < rows; r++) fill_row(t, w + (size_t) r * row_bytes(t, cols), cols);
    for (int c = 1; c < copies; c++) memcpy(w + bytes * c, w, bytes);
    for (int i = 0; i < cols; i++) x[i] = uniform();

    // check the SIMD kernels against the scalar double-precision loop before timing them
    matvec(t, w, rows, cols, x, xq, xs, out);
    double maxdiff = 0;
    for (int r = 0; r < rows; r++) {
        double ref = ref_row(t, w + (size_t) r * row_bytes(t, cols), x, xq, xs, cols);
        maxdiff = fmax(maxdiff, fabs(out[r] - ref) / fmax(1.0, fabs(ref)));
    }
    if (maxdiff > 1e-4) { fprintf(stderr, "matvec: SIMD kernel differs from the scalar reference by %.3g\n", maxdiff); return 1; }

    // as MatvecProbe: about 1 GB of weights per pass, best of five passes
    int reps = (int) fmax(20, 4e9 / bytes / 4);
    for (int i = 0; i < reps; i++) matvec(t, w + bytes * (i % copies), rows, cols, x, xq, xs, out);
    double best = 1e300;
    for (int k = 0; k < 5; k++) {
        double t0 = now_us();
        for (int i = 0; i < reps; i++) matvec(t, w + bytes * (i % copies), rows, cols, x, xq, xs, out);
        best = fmin(best, (now_us() - t0) / reps);
    }
    printf("%-5s %5dx%-5d T=1 thr=%d copies=%d  %9.1f us  %6.2f GB/s  maxdiff=%.1e\n",
           t == F32 ? "F32" : t == Q8_0 ? "Q8_0" : "Q4_0", rows, cols, threads, copies, best, bytes / best / 1e3, maxdiff);
    free(w); free(x); free(xs); free(out); free(xq);
    return 0;
}
