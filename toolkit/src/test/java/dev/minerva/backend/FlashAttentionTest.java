package dev.minerva.backend;

import dev.minerva.engine.TreeMask;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The blocked prefill attention ({@link FlashAttention}) and the row-at-a-time kernel
 * ({@link AttentionKernel}) against a plain float64 attention: causal prompts with and without earlier
 * cache slots, tree masks, grouped-query attention, head sizes that are not multiples of the vector
 * width, row counts around the block size and the dispatch threshold, and rows that see no slot.
 */
class FlashAttentionTest {
    private static final WorkerPool POOL = new WorkerPool(2);
    private static final int TB = FlashAttention.TB;

    @AfterAll static void close() { POOL.close(); }

    /** A mask that hides every slot from the listed rows and is causal otherwise. */
    private record Hiding(int... hidden) implements AttentionMask {
        @Override public boolean visible(int row, int rows, int slot, int kvLength) {
            for (int h : hidden) if (h == row) return false;
            return slot <= kvLength - rows + row;
        }
    }

    @Test void causalFreshPromptsAroundTheBlockSize() {
        for (int rows : new int[]{1, 2, 5, 8, TB - 1, TB, TB + 1, 2 * TB + 3, 3 * TB, 70}) {
            check(rows, rows, 4, 4, 64, AttentionMask.CAUSAL);
            check(rows, rows, 6, 2, 10, AttentionMask.CAUSAL);
        }
    }

    @Test void causalAfterCachedSlots() {
        // slot blocks that straddle the diagonal at every offset, odd head sizes, GQA 4:1 and 3:1
        for (int cached : new int[]{1, 5, FlashAttention.SB - 1, FlashAttention.SB + 7, 100}) {
            check(2 * TB + 5, 2 * TB + 5 + cached, 8, 2, 64, AttentionMask.CAUSAL);
            check(TB + 3, TB + 3 + cached, 6, 2, 7, AttentionMask.CAUSAL);
            check(9, 9 + cached, 3, 1, 33, AttentionMask.CAUSAL);
        }
    }

    @Test void treeMasks() {
        for (int rows : new int[]{3, 8, TB, TB + 5, 2 * TB + 1}) {
            int[] parents = new int[rows];
            for (int i = 0; i < rows; i++) parents[i] = i == 0 ? -1 : (i - 1) / 2;
            check(rows, rows + 29, 4, 2, 64, new TreeMask(parents));
            check(rows, rows + 3, 6, 3, 12, new TreeMask(parents));
            // a chain of drafts is the causal mask written as a tree
            int[] chain = new int[rows];
            for (int i = 0; i < rows; i++) chain[i] = i - 1;
            check(rows, rows + 40, 2, 1, 16, new TreeMask(chain));
        }
    }

    /** A sparse mask: row r sees slot t when {@code (t + r) % 3 != 0}, earlier slots and later ones alike. */
    private record Sparse() implements AttentionMask {
        @Override public boolean visible(int row, int rows, int slot, int kvLength) { return (slot + row) % 3 != 0; }
    }

    /** Every row sees every slot (no causal order). */
    private record Full() implements AttentionMask {
        @Override public boolean visible(int row, int rows, int slot, int kvLength) { return true; }
    }

    @Test void groupedHeadsShareLanes() {
        // kv groups of 8, 4, 6 and 3 query heads (packed 8/4/2/1 to a block) with 1..TB+1 rows, fresh and after a cache
        for (int rows : new int[]{1, 2, 3, 4, 5, 7, TB / 2, TB + 1}) {
            check(rows, rows, 16, 2, 64, AttentionMask.CAUSAL);
            check(rows, rows + 53, 16, 2, 64, AttentionMask.CAUSAL);
            check(rows, rows + 9, 8, 2, 10, AttentionMask.CAUSAL);
            check(rows, rows + 30, 12, 2, 16, AttentionMask.CAUSAL);
            check(rows, rows + 5, 6, 2, 7, AttentionMask.CAUSAL);
            int[] parents = new int[rows];
            for (int i = 0; i < rows; i++) parents[i] = i == 0 ? -1 : (i - 1) / 2;
            check(rows, rows + 21, 16, 2, 24, new TreeMask(parents));
        }
        assertEquals(Math.min(8, TB), FlashAttention.headsPerBlock(8), "8:1 GQA");
        assertEquals(1, FlashAttention.headsPerBlock(3), "3:1 GQA cannot split lanes evenly");
        assertEquals(2, FlashAttention.headsPerBlock(6), "6:1 GQA packs pairs");
    }

    @Test void generalMasks() {
        // holes from the first slot on (bias over the whole span), and rows that see past their own slot
        check(2 * TB + 3, 2 * TB + 3 + 70, 4, 2, 20, new Sparse());
        check(TB + 1, TB + 60, 3, 3, 64, new Full());
        check(8, 150, 2, 1, 9, new Full());
        check(3, 40, 8, 2, 9, new Sparse());                           // heads packed into lanes
    }

    @Test void rowsThatSeeNoSlotGetZeros() {
        check(TB + 2, TB + 12, 4, 2, 16, new Hiding(0, 3, TB + 1));
        check(3, 10, 4, 2, 16, new Hiding(1));                        // the row-at-a-time kernel too
        check(TB, TB + 5, 2, 2, 8, new Hiding(java.util.stream.IntStream.range(0, TB).toArray()));
    }

    @Test void dispatchAroundTheThreshold() {
        // through the backend, both sides of the threshold (MHA and 4:1 GQA); both kernels against the reference
        try (CpuBackend backend = new CpuBackend(2)) {
            for (int rows = 1; rows <= FlashAttention.MIN_LANES + 1; rows++) for (int nh : new int[]{4, 8}) {
                int nkv = nh == 4 ? 4 : 2, hs = 24, kvLen = rows + 11, dim = nh * hs, kvDim = nkv * hs, T = rows + 2, rowStart = 1;
                SplittableRandom rnd = new SplittableRandom(rows * 10L + nh);
                float[] q = random(rnd, T * dim), k = random(rnd, kvLen * kvDim), v = random(rnd, kvLen * kvDim);
                var out = backend.allocate("o", T, dim);
                var qt = backend.allocate("q", T, dim);
                var kt = backend.allocate("k", kvLen, kvDim);
                var vt = backend.allocate("v", kvLen, kvDim);
                backend.write(qt, q);
                backend.write(kt, k);
                backend.write(vt, v);
                backend.attention(out, qt, rowStart, rows, kt, vt, kvLen, AttentionMask.CAUSAL, nh, nkv, hs);
                CpuBackendConformanceTest.assertNear(reference(q, rowStart, rows, k, v, kvLen, AttentionMask.CAUSAL, nh, nkv, hs),
                        backend.read(out, rowStart, rows), 1e-5, "backend rows=" + rows + " heads=" + nh + "/" + nkv
                                + (FlashAttention.prefers(rows, nh, nkv) ? " blocked" : " row-wise"));
            }
        }
    }

    /** Both kernels (the blocked one for any row count, down to one row) against the float64 reference. */
    private static void check(int rows, int kvLen, int nh, int nkv, int hs, AttentionMask mask) {
        int dim = nh * hs, kvDim = nkv * hs, rowStart = 2, T = rows + 3, cap = kvLen + 4;
        SplittableRandom rnd = new SplittableRandom(31L * rows + kvLen + hs);
        float[] q = random(rnd, T * dim), k = random(rnd, cap * kvDim), v = random(rnd, cap * kvDim);
        // slots past kvLength hold huge values: reading one would show
        for (int i = kvLen * kvDim; i < cap * kvDim; i++) { k[i] = 1e30f; v[i] = 1e30f; }
        double[] ref = reference(q, rowStart, rows, k, v, kvLen, mask, nh, nkv, hs);
        String what = "rows=" + rows + " kv=" + kvLen + " heads=" + nh + "/" + nkv + " hs=" + hs + " " + mask;
        float[] flash = new float[T * dim], rowWise = new float[T * dim];
        FlashAttention.run(POOL, flash, q, rowStart, rows, k, v, kvLen, mask, nh, nkv, hs);
        AttentionKernel.run(POOL, rowWise, q, rowStart, rows, k, v, kvLen, mask, nh, nkv, hs);
        CpuBackendConformanceTest.assertNear(ref, java.util.Arrays.copyOfRange(flash, rowStart * dim, (rowStart + rows) * dim), 1e-5, "flash " + what);
        CpuBackendConformanceTest.assertNear(ref, java.util.Arrays.copyOfRange(rowWise, rowStart * dim, (rowStart + rows) * dim), 1e-5, "row-wise " + what);
        // rows outside [rowStart, rowStart + rows) are not written
        for (int i = 0; i < rowStart * dim; i++) assertEquals(0f, flash[i], "flash wrote before its rows: " + what);
        for (int i = (rowStart + rows) * dim; i < T * dim; i++) assertEquals(0f, flash[i], "flash wrote after its rows: " + what);
    }

    /** Plain float64 attention; a row that sees no slot is zeros. Also the conformance test's reference. */
    static double[] reference(float[] q, int rowStart, int rows, float[] k, float[] v, int kvLen, AttentionMask mask,
                                      int nh, int nkv, int hs) {
        int dim = nh * hs, kvDim = nkv * hs;
        double[] ref = new double[rows * dim];
        for (int r = 0; r < rows; r++) for (int h = 0; h < nh; h++) {
            int kh = h / (nh / nkv);
            double[] s = new double[kvLen];
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < kvLen; j++) {
                if (!mask.visible(r, rows, j, kvLen)) { s[j] = Double.NEGATIVE_INFINITY; continue; }
                double dot = 0;
                for (int i = 0; i < hs; i++) dot += (double) q[(rowStart + r) * dim + h * hs + i] * k[j * kvDim + kh * hs + i];
                s[j] = dot / Math.sqrt(hs);
                max = Math.max(max, s[j]);
            }
            if (max == Double.NEGATIVE_INFINITY) continue;
            double sum = 0;
            for (int j = 0; j < kvLen; j++) { s[j] = Math.exp(s[j] - max); sum += s[j]; }
            for (int j = 0; j < kvLen; j++) {
                if (s[j] == 0) continue;
                for (int i = 0; i < hs; i++) ref[r * dim + h * hs + i] += s[j] / sum * v[j * kvDim + kh * hs + i];
            }
        }
        return ref;
    }


    private static float[] random(SplittableRandom rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }
}
