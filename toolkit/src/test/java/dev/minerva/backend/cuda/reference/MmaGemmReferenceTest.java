package dev.minerva.backend.cuda.reference;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** The v2/v3 tensor-core GEMMs' lane-level index math (tiles, stages, ldmatrix addresses, fragments, epilogue) against a float64 matmul. */
class MmaGemmReferenceTest {

    /** Values rounded to f16, as the kernel's inputs are. */
    private static float[] halves(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = Float.float16ToFloat(Float.floatToFloat16((float) r.nextGaussian()));
        return a;
    }

    /** Both tile heights (v2: 128 rows, 8 warps; v3: 64 rows, 4 warps). */
    private static void check(int M, int N, int K, long seed) {
        check(M, N, K, seed, 128);
        check(M, N, K, seed, 64);
    }

    private static void check(int M, int N, int K, long seed, int bm) {
        Random r = new Random(seed);
        float[] a = halves(r, M * K), w = halves(r, N * K);
        float[] got = MmaGemmReference.gemm(a, w, M, N, K, bm);
        double worst = 0, want = 0;
        int at = 0;
        for (int m = 0; m < M; m++)
            for (int n = 0; n < N; n++) {
                double s = 0;
                for (int k = 0; k < K; k++) s += (double) a[m * K + k] * w[n * K + k];
                double d = Math.abs(got[m * N + n] - s) / Math.sqrt(K);
                if (!(d <= worst)) { worst = d; at = m * N + n; want = s; }   // NaN (an element never written) wins
            }
        final double fw = worst, fwant = want;
        final int fat = at;
        assertTrue(worst < 1e-5, () -> String.format("tile %d, M=%d N=%d K=%d: C[%d][%d] = %s, float64 %.6f (diff / sqrt(K) %.3g)",
                bm, M, N, K, fat / N, fat % N, got[fat], fwant, fw));
    }

    @Test void fullTiles() { check(128, 64, 64, 1); }

    @Test void severalBlocksAndStagesWrapAround() { check(256, 128, 32 * 7, 2); }   // 7 k-tiles: every stage reused twice

    @Test void fewerTilesThanThePrologue() { check(128, 64, 32, 3); }                // one k-tile: an empty commit group

    @Test void ragged() {
        check(1, 1, 32, 4);             // one element, everything else zero-filled
        check(37, 70, 96, 5);           // partial block in M, a second partial block in N, odd-free N
        check(130, 67, 64, 6);          // two (v3: three) blocks in M, the last with 2 rows; odd N (scalar stores)
        check(513, 200, 160, 7);
    }

    @Test void kMustBeATileMultipleAndTheTileAVersion() {
        assertThrows(IllegalArgumentException.class, () -> MmaGemmReference.gemm(new float[48], new float[48], 1, 1, 48, 128));
        assertThrows(IllegalArgumentException.class, () -> MmaGemmReference.gemm(new float[32], new float[32], 1, 1, 32, 32));
    }
}
