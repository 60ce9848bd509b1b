/*
 * Native reference for dev.minerva.bench.FmaThroughput: the float32 FMA peak of this CPU with AVX2.
 * Each thread runs twelve independent 8-lane accumulator chains (acc = x * y + acc) in registers; the
 * best of PASSES passes after one warm-up is printed as GFLOP/s (2 FLOP per lane per FMA).
 *
 *   gcc -O3 -march=native -fopenmp -o fmapeak fmapeak.c
 *   ./fmapeak THREADS [ITERATIONS_PER_THREAD]
 *
 * Prints one line: "fmapeak threads=T gflops=G". Exit 2 on bad arguments.
 */
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#define CHAINS 12
#define PASSES 5

static float chains(long iters) {
    __m256 x = _mm256_set1_ps(0.999999f), y = _mm256_set1_ps(1e-6f), acc[CHAINS];
    for (int c = 0; c < CHAINS; c++) acc[c] = _mm256_set1_ps((float) (c + 1));
    for (long i = 0; i < iters; i++) {
        for (int c = 0; c < CHAINS; c++) acc[c] = _mm256_fmadd_ps(x, y, acc[c]);
    }
    float sum = 0, lanes[8];
    for (int c = 0; c < CHAINS; c++) {
        _mm256_storeu_ps(lanes, acc[c]);
        for (int l = 0; l < 8; l++) sum += lanes[l];
    }
    return sum;
}

int main(int argc, char **argv) {
    if (argc < 2 || argc > 3) { fprintf(stderr, "usage: fmapeak THREADS [ITERATIONS_PER_THREAD]\n"); return 2; }
    int threads = atoi(argv[1]);
    long iters = argc > 2 ? atol(argv[2]) : 20000000L;
    if (threads < 1 || iters < 1) { fprintf(stderr, "fmapeak: THREADS and ITERATIONS_PER_THREAD must be >= 1\n"); return 2; }
    omp_set_num_threads(threads);
    double best = 1e300, sink = 0;
    for (int p = 0; p <= PASSES; p++) {
        double t0 = omp_get_wtime();
        #pragma omp parallel reduction(+ : sink)
        sink += chains(iters);
        double t = omp_get_wtime() - t0;
        if (p > 0 && t < best) best = t;
    }
    if (!(sink > 0)) { fprintf(stderr, "fmapeak: chains diverged\n"); return 1; }
    printf("fmapeak threads=%d gflops=%.1f\n", threads, 2.0 * 8 * CHAINS * iters * threads / best / 1e9);
    return 0;
}
