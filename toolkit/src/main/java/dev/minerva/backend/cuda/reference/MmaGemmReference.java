package dev.minerva.backend.cuda.reference;

/**
 * The v2/v3 tensor-core GEMMs of {@code gemm.cu} ({@code gemm_*_mma}: 128-row tiles, {@code gemm_*_mma64}: 64) run lane by lane in
 * plain Java, so its index math is verified against naive math before a GPU runs it: which 16-byte chunk each
 * thread copies into which shared tile and stage (with zero fill past M and N), the address each lane hands to
 * {@code ldmatrix.x4}, how the four loaded registers become mma's A and B fragments, and where each accumulator
 * is stored.
 *
 * <p>The two hardware instructions are emulated from their definitions in the PTX ISA (independently of the
 * kernel's addressing): {@link #ldmatrixX4} gives lane l of matrix j the elements {@code 2(l%4), 2(l%4)+1} of
 * the row whose address lane {@code 8j + l/4} supplied; {@link #mma} rebuilds the 16x16 A and 16x8 B operands
 * from the 32 lanes' fragments ("Matrix Fragments for mma.m16n8k16"), multiplies, and scatters D the same way.
 * Values are floats holding the f16/bf16-rounded inputs; products and sums are in float as on the tensor
 * cores (whose summation order differs, so compare with a tolerance, not bits).
 */
public final class MmaGemmReference {
    private MmaGemmReference() {}

    static final int BN = 64, BK = 32, LD = BK + 8, STAGES = 3;

    /**
     * C (M, N) = A (M, K) . W (N, K)^T exactly as the kernel's grid of blocks computes it.
     *
     * @param a  row-major (M, K), values already rounded to the kernel's input type
     * @param w  row-major (N, K), likewise
     * @param bm the version's tile height: 128 ({@code gemm_*_mma}, 8 warps) or 64 ({@code gemm_*_mma64}, 4 warps)
     */
    public static float[] gemm(float[] a, float[] w, int M, int N, int K, int bm) {
        if (K % BK != 0) throw new IllegalArgumentException("K must be a multiple of " + BK + ", got " + K);
        if (bm != 128 && bm != 64) throw new IllegalArgumentException("tile height must be 128 or 64, got " + bm);
        float[] c = new float[M * N];
        java.util.Arrays.fill(c, Float.NaN);   // poisoned: every element must be written
        for (int by = 0; by < (M + bm - 1) / bm; by++)
            for (int bx = 0; bx < (N + BN - 1) / BN; bx++) block(a, w, c, M, N, K, bm, bx, by);
        return c;
    }

    private static void block(float[] A, float[] W, float[] C, int M, int N, int K, int bm, int bx, int by) {
        int threads = 2 * bm, warps = threads / 32;
        float[][][] as = new float[STAGES][bm][LD], bs = new float[STAGES][BN][LD];
        int m0 = by * bm, n0 = bx * BN, tiles = K / BK;
        float[][][][][] acc = new float[warps][32][2][4][4];   // [warp][lane][i][j][e]

        for (int s = 0; s < STAGES - 1; s++) if (s < tiles) load(A, W, as, bs, M, N, K, threads, m0, n0, s, s);
        for (int kt = 0; kt < tiles; kt++) {
            // in the kernel: wait for tile kt, then __syncthreads; here every copy has already landed
            if (kt + STAGES - 1 < tiles) load(A, W, as, bs, M, N, K, threads, m0, n0, (kt + STAGES - 1) % STAGES, kt + STAGES - 1);
            int st = kt % STAGES;
            for (int warp = 0; warp < warps; warp++) {
                int wm = (warp >> 1) * 32, wn = (warp & 1) * 32;
                for (int kk = 0; kk < BK; kk += 16) {
                    float[][][][] a = new float[2][][][];          // [i] -> ldmatrix registers [lane][reg][2]
                    for (int i = 0; i < 2; i++) {
                        int[] rows = new int[32], cols = new int[32];
                        for (int lane = 0; lane < 32; lane++) {
                            rows[lane] = wm + i * 16 + (lane & 15);
                            cols[lane] = kk + (lane >> 4) * 8;
                        }
                        a[i] = ldmatrixX4(as[st], rows, cols);
                    }
                    float[][][][] b = new float[4][32][2][];       // [j][lane][b0/b1] -> 2 values
                    for (int j2 = 0; j2 < 2; j2++) {
                        int[] rows = new int[32], cols = new int[32];
                        for (int lane = 0; lane < 32; lane++) {
                            rows[lane] = wn + j2 * 16 + (lane & 7) + (lane >> 4) * 8;
                            cols[lane] = kk + ((lane >> 3) & 1) * 8;
                        }
                        float[][][] r = ldmatrixX4(bs[st], rows, cols);
                        for (int lane = 0; lane < 32; lane++) {
                            b[2 * j2][lane][0] = r[lane][0]; b[2 * j2][lane][1] = r[lane][1];
                            b[2 * j2 + 1][lane][0] = r[lane][2]; b[2 * j2 + 1][lane][1] = r[lane][3];
                        }
                    }
                    for (int i = 0; i < 2; i++)
                        for (int j = 0; j < 4; j++) mma(acc[warp], i, j, a[i], b[j]);
                }
            }
        }
        // epilogue: c0, c1 at (row lane/4, cols 2(lane%4) + 0, 1); c2, c3 eight rows lower
        for (int warp = 0; warp < warps; warp++) {
            int wm = (warp >> 1) * 32, wn = (warp & 1) * 32;
            for (int lane = 0; lane < 32; lane++) {
                int gr = lane >> 2, gc = (lane & 3) * 2;
                for (int i = 0; i < 2; i++)
                    for (int j = 0; j < 4; j++)
                        for (int h = 0; h < 2; h++) {
                            int row = m0 + wm + i * 16 + gr + h * 8, col = n0 + wn + j * 8 + gc;
                            if (row >= M) continue;
                            if (col < N) C[row * N + col] = acc[warp][lane][i][j][2 * h];
                            if (col + 1 < N) C[row * N + col + 1] = acc[warp][lane][i][j][2 * h + 1];
                        }
            }
        }
    }

    /**
     * One stage's cp.async copies: thread t copies A chunks t and t + threads, and W chunks t, t + threads, ... (4 * 64
     * of them); chunk c = row c/4, halves 8(c%4).
     */
    private static void load(float[] A, float[] W, float[][][] as, float[][][] bs, int M, int N, int K, int threads, int m0, int n0, int stage, int kt) {
        int k0 = kt * BK;
        for (int tid = 0; tid < threads; tid++) {
            for (int it = 0; it < 2; it++) {
                int c = tid + it * threads, row = c >> 2, col = (c & 3) * 8;
                boolean ok = m0 + row < M;
                copy16(A, (long) (ok ? m0 + row : 0) * K + k0 + col, ok, as[stage][row], col);
            }
            for (int it = 0; it < 4 * BN / threads; it++) {
                int c = tid + it * threads, row = c >> 2, col = (c & 3) * 8;
                boolean ok = n0 + row < N;
                copy16(W, (long) (ok ? n0 + row : 0) * K + k0 + col, ok, bs[stage][row], col);
            }
        }
    }

    /** cp.async of 16 bytes (8 halves) with src-size 16 or 0 (zero fill). */
    private static void copy16(float[] src, long off, boolean valid, float[] dstRow, int col) {
        for (int e = 0; e < 8; e++) dstRow[col + e] = valid ? src[(int) off + e] : 0f;
    }

    /**
     * {@code ldmatrix.sync.aligned.m8n8.x4.b16}: lanes 8j..8j+7 give the row addresses of matrix j; lane l receives
     * in register j the two elements at columns {@code 2(l%4), 2(l%4)+1} of row {@code l/4} of matrix j.
     *
     * @return [lane][register][element]
     */
    static float[][][] ldmatrixX4(float[][] tile, int[] rowOf, int[] colOf) {
        float[][][] r = new float[32][4][2];
        for (int j = 0; j < 4; j++)
            for (int lane = 0; lane < 32; lane++) {
                int src = 8 * j + (lane >> 2), c = colOf[src] + 2 * (lane & 3);
                r[lane][j][0] = tile[rowOf[src]][c];
                r[lane][j][1] = tile[rowOf[src]][c + 1];
            }
        return r;
    }

    /**
     * {@code mma.sync.aligned.m16n8k16.row.col.f32}: with g = lane/4, t = lane%4, A's registers hold (g, 2t..2t+1),
     * (g+8, 2t..), (g, 2t+8..), (g+8, 2t+8..); B's b0 holds (k 2t..2t+1, n g), b1 (k 2t+8.., n g); D's
     * (g, 2t..2t+1) and (g+8, 2t..2t+1).
     */
    private static void mma(float[][][][] acc, int i, int j, float[][][] a, float[][][] bLanes) {
        float[][] am = new float[16][16], bm = new float[16][8];
        for (int lane = 0; lane < 32; lane++) {
            int g = lane >> 2, t = lane & 3;
            for (int e = 0; e < 2; e++) {
                am[g][2 * t + e] = a[lane][0][e];
                am[g + 8][2 * t + e] = a[lane][1][e];
                am[g][2 * t + 8 + e] = a[lane][2][e];
                am[g + 8][2 * t + 8 + e] = a[lane][3][e];
            }
        }
        for (int lane = 0; lane < 32; lane++) {
            int g = lane >> 2, t = lane & 3;
            for (int e = 0; e < 2; e++) {
                bm[2 * t + e][g] = bLanes[lane][0][e];
                bm[2 * t + 8 + e][g] = bLanes[lane][1][e];
            }
        }
        for (int lane = 0; lane < 32; lane++) {
            int g = lane >> 2, t = lane & 3;
            for (int h = 0; h < 2; h++)
                for (int e = 0; e < 2; e++) {
                    float s = acc[lane][i][j][2 * h + e];
                    for (int k = 0; k < 16; k++) s += am[g + 8 * h][k] * bm[k][2 * t + e];
                    acc[lane][i][j][2 * h + e] = s;
                }
        }
    }
}
