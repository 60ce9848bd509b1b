/*
 * Native reference for dev.minerva.backend.PrefillGemm: the same algorithm in C with AVX2 intrinsics, to tell the
 * algorithm's cost from C2's code. F32 weights (n x d, row-major, random), T tokens; per 16-row panel, slices of 384
 * input indices transposed into a panel that stays in L1, and a 6-token x 16-row register tile (12 accumulators,
 * two panel vectors, one broadcast); the panel's sums for every token kept contiguous and copied out at the end.
 * Threads (OpenMP) take panels dynamically. Also times the 6 x 16 tile alone on one L1-resident panel slice.
 *
 *   gcc -O3 -march=native -fopenmp -o gemmtile gemmtile.c
 *   ./gemmtile T N D THREADS        (T a multiple of 6, N of 16)
 *
 * Prints the tile alone (one thread) and the whole GEMM in GFLOP/s, best of 10 runs after 2. Exit 2 on bad arguments.
 */
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define P 16
#define TT 6
#define KC 384
/* aligned_alloc wants a size that is a multiple of the alignment (C11) */
static float *floats(size_t n) { return aligned_alloc(64, (n * 4 + 63) / 64 * 64); }

static void tile6(const float *panel, int kc, const float *x, int d, float *o) {
    __m256 a0 = _mm256_loadu_ps(o), b0 = _mm256_loadu_ps(o + 8), a1 = _mm256_loadu_ps(o + 16), b1 = _mm256_loadu_ps(o + 24);
    __m256 a2 = _mm256_loadu_ps(o + 32), b2 = _mm256_loadu_ps(o + 40), a3 = _mm256_loadu_ps(o + 48), b3 = _mm256_loadu_ps(o + 56);
    __m256 a4 = _mm256_loadu_ps(o + 64), b4 = _mm256_loadu_ps(o + 72), a5 = _mm256_loadu_ps(o + 80), b5 = _mm256_loadu_ps(o + 88);
    const float *x0 = x, *x1 = x + d, *x2 = x + 2 * d, *x3 = x + 3 * d, *x4 = x + 4 * d, *x5 = x + 5 * d;
    for (int i = 0; i < kc; i++) {
        __m256 u = _mm256_loadu_ps(panel + i * P), v = _mm256_loadu_ps(panel + i * P + 8), c;
        c = _mm256_broadcast_ss(x0 + i); a0 = _mm256_fmadd_ps(u, c, a0); b0 = _mm256_fmadd_ps(v, c, b0);
        c = _mm256_broadcast_ss(x1 + i); a1 = _mm256_fmadd_ps(u, c, a1); b1 = _mm256_fmadd_ps(v, c, b1);
        c = _mm256_broadcast_ss(x2 + i); a2 = _mm256_fmadd_ps(u, c, a2); b2 = _mm256_fmadd_ps(v, c, b2);
        c = _mm256_broadcast_ss(x3 + i); a3 = _mm256_fmadd_ps(u, c, a3); b3 = _mm256_fmadd_ps(v, c, b3);
        c = _mm256_broadcast_ss(x4 + i); a4 = _mm256_fmadd_ps(u, c, a4); b4 = _mm256_fmadd_ps(v, c, b4);
        c = _mm256_broadcast_ss(x5 + i); a5 = _mm256_fmadd_ps(u, c, a5); b5 = _mm256_fmadd_ps(v, c, b5);
    }
    _mm256_storeu_ps(o, a0); _mm256_storeu_ps(o + 8, b0); _mm256_storeu_ps(o + 16, a1); _mm256_storeu_ps(o + 24, b1);
    _mm256_storeu_ps(o + 32, a2); _mm256_storeu_ps(o + 40, b2); _mm256_storeu_ps(o + 48, a3); _mm256_storeu_ps(o + 56, b3);
    _mm256_storeu_ps(o + 64, a4); _mm256_storeu_ps(o + 72, b4); _mm256_storeu_ps(o + 80, a5); _mm256_storeu_ps(o + 88, b5);
}
int main(int argc, char **argv) {
    if (argc != 5) { fprintf(stderr, "usage: gemmtile T N D THREADS\n"); return 2; }
    int T = atoi(argv[1]), n = atoi(argv[2]), d = atoi(argv[3]), th = atoi(argv[4]);
    if (T < 6 || T % 6 != 0 || n < 16 || n % 16 != 0 || d < 1 || th < 1) {
        fprintf(stderr, "gemmtile: T must be a positive multiple of 6, N of 16, D and THREADS >= 1\n");
        return 2;
    }
    omp_set_num_threads(th);
    float *w = floats((size_t) n * d), *x = floats((size_t) T * d), *out = floats((size_t) T * n);
    for (size_t i = 0; i < (size_t) n * d; i++) w[i] = (float) rand() / RAND_MAX - 0.5f;
    for (size_t i = 0; i < (size_t) T * d; i++) x[i] = (float) rand() / RAND_MAX - 0.5f;
    int tiles = T / TT;
    double best = 1e30;
    for (int rep = 0; rep < 12; rep++) {
        double t0 = omp_get_wtime();
        #pragma omp parallel
        {
            float *panel = floats(P * KC), *acc = floats((size_t) tiles * TT * P);
            #pragma omp for schedule(dynamic, 8)
            for (int r = 0; r < n; r += P) {
                memset(acc, 0, (size_t) tiles * TT * P * 4);
                for (int k0 = 0; k0 < d; k0 += KC) {
                    int kc = d - k0 < KC ? d - k0 : KC;
                    for (int j = 0; j < P; j++) for (int i = 0; i < kc; i++) panel[i * P + j] = w[(size_t) (r + j) * d + k0 + i];
                    for (int q = 0; q < tiles; q++) tile6(panel, kc, x + (size_t) q * TT * d + k0, d, acc + q * TT * P);
                }
                for (int t = 0; t < T; t++) memcpy(out + (size_t) t * n + r, acc + t * P, P * 4);
            }
            free(panel); free(acc);
        }
        double t = omp_get_wtime() - t0; if (rep > 1 && t < best) best = t;
    }
    if (d >= KC) {   /* the micro-kernel alone: one panel slice in L1, every token tile over the first KC indices */
        float *panel = floats(P * KC), *acc = floats((size_t) tiles * TT * P);
        for (int i = 0; i < P * KC; i++) panel[i] = w[i];
        memset(acc, 0, (size_t) tiles * TT * P * 4);
        double bt = 1e30;
        for (int rep = 0; rep < 20; rep++) {
            double t0 = omp_get_wtime();
            for (int z = 0; z < 50; z++) for (int q = 0; q < tiles; q++) tile6(panel, KC, x + (size_t) q * TT * d, d, acc + q * TT * P);
            double t = omp_get_wtime() - t0; if (t < bt) bt = t;
        }
        printf("C tile6 alone (panel slice in L1): %.1f GFLOP/s one thread (check %f)\n", 2.0 * 50 * tiles * TT * P * KC / bt / 1e9, acc[5]);
        free(panel); free(acc);
    }
    printf("C gemm tile6x16 T=%d %dx%d threads=%d: %.1f GFLOP/s (check %f)\n", T, n, d, th, 2.0 * T * n * d / best / 1e9, out[7]);
    free(w); free(x); free(out);
    return 0;
}
