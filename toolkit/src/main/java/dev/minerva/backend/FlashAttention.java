package dev.minerva.backend;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Attention for many query rows at once (prefill, verification trees; decode too with grouped-query
 * attention, see below): a block of {@link #TB} query rows of one head against blocks of {@link #SB}
 * cache slots, with an online softmax per row (running max and sum; the partial output is rescaled
 * when the max grows), as in FlashAttention
 * (Dao et al., 2022). The row-at-a-time kernel ({@link AttentionKernel}) re-reads every earlier key and
 * value for each query row and reduces a vector to a scalar per dot product; here each key and value
 * element, once loaded, feeds {@code TB} rows, and no lane reductions are needed.
 *
 * <p>Vectors run across the block's query rows ({@code TB = 2 x lanes}): the block's queries are
 * stored transposed once, {@code qt[i * TB + r]} (pre-multiplied by the softmax scale), the scores
 * slot-major, {@code st[j * TB + r]}, and the output transposed, {@code ot[d * TB + r]}. Both products
 * are then register tiles like {@link PrefillGemm}'s, accumulators fed by broadcasts:
 * <ul>
 * <li>{@code S = Q K^T}: per index {@code i}, two {@code qt} vectors times the broadcast {@code k[t][i]}
 *     of six slots (2 x 6 accumulators);</li>
 * <li>{@code O += P V}: per slot {@code j}, two {@code st} vectors times the broadcast {@code v[j][d]}
 *     of four output indices (2 x 4: with six, C2 hoisted the broadcasts and spilled an accumulator,
 *     and the loop ran slower than the scores').</li>
 * </ul>
 * Nothing is transposed per slot block, the running max, sum and rescale are plain vector ops over
 * rows, and any head size works without vector tails (tiles at the end of a slot block or of the head
 * repeat their last slot or index, which recomputes and rewrites the same values).
 *
 * <p>With grouped-query attention the query heads that share a kv head fill the lanes together
 * ({@link #headsPerBlock}): lane {@code i} of a block holds head {@code h + i / R}, row {@code r0 + i % R},
 * so each key and value read serves the whole group, as it does in the row-wise kernel. {@link #prefers} sends a call here when at least {@value #MIN_LANES} lanes
 * are filled: measured with {@code AttentionAB} (two threads, 2-core Zen 3; speed of this kernel over
 * the row-wise one) the row-wise kernel wins below that (12 heads x 64: 0.5x at 2 rows, 0.8x at 4,
 * 1.2-1.4x at 6-8 rows over 260 slots; 1.0x at 8 rows over 40), and with TinyLlama's 32/4 heads even
 * one decode row fills eight lanes (1.0-1.3x from 16 to 2048 slots, 2.6x at two rows).
 *
 * <p>Causal blocks stop at their last row's slot and mask only the slots past their first row's; other
 * masks are evaluated once per call into a 0 / -inf bias per (row block, slot, row), shared by the
 * heads, from the first slot that some row of the block does not see (a tree's committed prefix needs none).
 * A row that sees no slot gets zeros.
 *
 * <p>Measured ({@code AttentionAB}, two threads, 2-core Zen 3, 4 x hs flops per visible (row, head, slot)):
 * 12 heads x 64, fresh prompts of 16 / 64 / 128 / 512 rows 20 / 52 / 67 / 88 GFLOP/s against the
 * row-wise kernel's 18 / 27-32 / 27-30 / 32; 128 rows after 384 cached slots 68-84 against 26-31.
 * Tried and slower or no better:
 * <ul>
 * <li>P.V tiles six output indices wide: one accumulator spilled, and with the six reads clamped to the
 *     head (no spill) C2 kept six bounds checks per slot; four wide, unclamped, needs neither;</li>
 * <li>slot blocks of 24 or 96 instead of 48: within noise to a few percent slower;</li>
 * <li>one query head per block under GQA: 3-20 % slower (more of the causal diagonal computed).</li>
 * </ul>
 * The vector {@code exp} is about a tenth of the time (measured by replacing it with a multiply); the
 * queries' and outputs' scalar transposes (2 x hs moves per row and head) dominate at 16 rows, where
 * both kernels run at about 20 GFLOP/s.
 */
final class FlashAttention {
    private FlashAttention() {}

    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    private static final int L = FS.length();
    /** Query rows per block: two vectors. */
    static final int TB = 2 * L;
    /** Cache slots per block: the block's keys and values (SB x hs each) stay in L1 next to the block's queries, scores and output. */
    static final int SB = 48;
    /** Fewest filled lanes (rows x heads per block) that take this kernel (fewer: {@link AttentionKernel}, row by row). */
    static final int MIN_LANES = 8;

    private static final float NEG_INF = Float.NEGATIVE_INFINITY;

    /** Per-thread scratch: qt, st (five spare slots for the last tile's repeats), ot (grown as needed), running max and sum. */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() ->
            new float[][]{new float[0], new float[(SB + 5) * TB], new float[0], new float[TB], new float[TB]});

    /**
     * Query heads per block: with grouped-query attention the heads sharing a kv head fill the lanes
     * together, as many as divide both {@code kvMul} and {@code TB} (powers of two). With few rows this
     * fills lanes that would stay empty; with many it leaves fewer rows per block, so less of the causal
     * diagonal is computed and masked (TinyLlama's 32/4 heads, A/B against one head per block: 16 rows
     * 0.97x -> 1.05-1.25x of the row-wise kernel, 64 rows 1.65x -> 2.0x, 512 rows 2.4x -> 2.7x).
     */
    static int headsPerBlock(int kvMul) {
        int g = 1;
        while (kvMul % (2 * g) == 0 && TB % (2 * g) == 0) g *= 2;
        return g;
    }

    /** Whether {@code rows} query rows should take this kernel rather than the row-wise one: enough lanes filled. */
    static boolean prefers(int rows, int nHeads, int nKvHeads) {
        return rows * headsPerBlock(nHeads / nKvHeads) >= MIN_LANES;
    }

    /**
     * Same contract as {@link AttentionKernel#run}: query rows {@code [rowStart, rowStart + rows)} of
     * {@code q} ({@code (T, nHeads * hs)}) attend over the first {@code kvLength} rows of {@code k},
     * {@code v} ({@code (capacity, nKvHeads * hs)}); results go to the same rows of {@code out}. Parallel
     * over (row block, head), the costliest (last, under a causal mask) row blocks first.
     */
    static void run(WorkerPool pool, float[] out, float[] q, int rowStart, int rows, float[] k, float[] v, int kvLength,
                    AttentionMask mask, int nHeads, int nKvHeads, int hs) {
        int kvMul = nHeads / nKvHeads, g = headsPerBlock(kvMul), R = TB / g, blocks = (rows + R - 1) / R, groups = nHeads / g;
        float[] rowOfLane = new float[TB];
        for (int i = 0; i < TB; i++) rowOfLane[i] = i % R;
        float scale = (float) (1.0 / Math.sqrt(hs));
        boolean causal = mask.isCausal();
        // per block: the slots [lo, hi) some row sees; slots [lo, open) every row sees; for non-causal
        // masks a 0 / -inf bias per (slot, lane) of [open, hi) at biasOff (a tree's committed prefix needs none)
        int[] lo = new int[blocks], hi = new int[blocks], open = new int[blocks], biasOff = new int[blocks + 1];
        int base = kvLength - rows;
        boolean[] all = causal ? null : new boolean[kvLength], any = causal ? null : new boolean[kvLength];
        for (int b = 0; b < blocks; b++) {
            int r0 = b * R, r1 = Math.min(rows, r0 + R);
            if (causal) { lo[b] = 0; hi[b] = base + r1; open[b] = hi[b]; continue; }
            lo[b] = kvLength;
            for (int t = 0; t < kvLength; t++) {
                boolean a = true, y = false;
                for (int r = r0; r < r1; r++) {
                    boolean vis = mask.visible(r, rows, t, kvLength);
                    a &= vis;
                    y |= vis;
                }
                all[t] = a;
                any[t] = y;
                if (y) { lo[b] = Math.min(lo[b], t); hi[b] = t + 1; }
            }
            if (hi[b] == 0) lo[b] = 0;                                  // no row of the block sees a slot
            int t = lo[b];
            while (t < hi[b] && all[t]) t++;
            open[b] = t;
            biasOff[b + 1] = biasOff[b] + (hi[b] - open[b]) * TB;
        }
        float[] bias = causal ? null : new float[biasOff[blocks]];
        for (int b = 0; !causal && b < blocks; b++) {
            int r0 = b * R, r1 = Math.min(rows, r0 + R);
            for (int t = open[b], o = biasOff[b]; t < hi[b]; t++, o += TB) {
                for (int lane = 0; lane < TB; lane++) {
                    int r = r0 + lane % R;
                    bias[o + lane] = r < r1 && mask.visible(r, rows, t, kvLength) ? 0f : NEG_INF;
                }
            }
        }
        pool.forRange(blocks * groups, 1, (start, end) -> {
            for (int task = start; task < end; task++) {
                int b = blocks - 1 - task / groups, h = task % groups * g;
                block(out, q, rowStart, rows, k, v, nHeads * hs, nKvHeads * hs, hs, h, R, h / kvMul, scale,
                        b * R, lo[b], hi[b], open[b], causal ? base : Integer.MIN_VALUE, bias, biasOff[b], rowOfLane);
            }
        });
    }

    /**
     * Rows {@code [r0, r0 + R)} (those below {@code rows}) of heads {@code h .. h + TB/R - 1} (one kv head)
     * over slots {@code [lo, hi)}, of which every row sees {@code [lo, open)}; lane {@code i} holds head
     * {@code h + i / R}, row {@code r0 + i % R} ({@code rowOfLane[i] = i % R}). With {@code base != MIN_VALUE} the mask is causal (row r
     * sees slots up to {@code base + r}), otherwise {@code bias[bOff + (t - open) * TB + lane]} is added
     * to the scores of slots from {@code open}.
     */
    private static void block(float[] out, float[] q, int rowStart, int rows, float[] k, float[] v, int dim,
                              int kvDim, int hs, int h, int R, int kvh, float scale, int r0, int lo, int hi, int open, int base,
                              float[] bias, int bOff, float[] rowOfLane) {
        float[][] scratch = SCRATCH.get();
        if (scratch[0].length < hs * TB) { scratch[0] = new float[hs * TB]; scratch[2] = new float[hs * TB]; }
        float[] qt = scratch[0], st = scratch[1], ot = scratch[2], m = scratch[3], l = scratch[4];
        int n = Math.min(R, rows - r0);
        // queries transposed and scaled; rows past the last are zeros (their results are dropped)
        for (int lane = 0; lane < TB; lane++) {
            if (lane % R < n) {
                for (int i = 0, src = (rowStart + r0 + lane % R) * dim + (h + lane / R) * hs; i < hs; i++) qt[i * TB + lane] = q[src + i] * scale;
            } else {
                for (int i = 0; i < hs; i++) qt[i * TB + lane] = 0f;
            }
        }
        java.util.Arrays.fill(ot, 0, hs * TB, 0f);
        java.util.Arrays.fill(m, NEG_INF);
        java.util.Arrays.fill(l, 0f);
        int kOff = kvh * hs;
        for (int t0 = lo; t0 < hi; t0 += SB) {
            int ns = Math.min(SB, hi - t0);
            for (int j = 0; j < ns; j += 6) scores6(qt, hs, k, kOff, kvDim, t0 + j, t0 + ns - 1, st, j);
            if (base != Integer.MIN_VALUE) {
                // causal: slot t is hidden from lanes below t - base - r0; only the block's last slots can be
                if (t0 + ns - 1 > base + r0) maskCausal(st, ns, t0 - base - r0, rowOfLane);
            } else if (t0 + ns > open) {
                int j = Math.max(0, open - t0);
                addBias(st, j, ns, bias, bOff + (t0 + j - open) * TB);
            }
            softmaxStep(st, ns, m, l, ot, hs);
            int d = 0;
            for (; d + 4 <= hs; d += 4) accumulate4(st, ns, v, t0 * kvDim + kOff, kvDim, d, ot);
            if (d < hs) accumulateTail(st, ns, v, t0 * kvDim + kOff, kvDim, d, hs - 1, ot);
        }
        for (int lane = 0; lane < TB; lane++) {
            if (lane % R >= n) continue;
            float inv = l[lane] > 0 ? 1f / l[lane] : 0f;
            for (int d = 0, dst = (rowStart + r0 + lane % R) * dim + (h + lane / R) * hs; d < hs; d++) out[dst + d] = ot[d * TB + lane] * inv;
        }
    }

    /**
     * Scores of slots {@code t .. t+5} (past {@code tLast}: repeats of {@code tLast}) for every row of the
     * block: {@code st[(j + s) * TB ..]}, two vectors per slot.
     */
    private static void scores6(float[] qt, int hs, float[] k, int kOff, int kvDim, int t, int tLast, float[] st, int j) {
        int k0 = t * kvDim + kOff;
        int k1 = Math.min(t + 1, tLast) * kvDim + kOff, k2 = Math.min(t + 2, tLast) * kvDim + kOff;
        int k3 = Math.min(t + 3, tLast) * kvDim + kOff, k4 = Math.min(t + 4, tLast) * kvDim + kOff;
        int k5 = Math.min(t + 5, tLast) * kvDim + kOff;
        FloatVector a0 = FloatVector.zero(FS), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0;
        FloatVector a3 = a0, b3 = a0, a4 = a0, b4 = a0, a5 = a0, b5 = a0;
        for (int i = 0; i < hs; i++) {
            FloatVector x = FloatVector.fromArray(FS, qt, i * TB), y = FloatVector.fromArray(FS, qt, i * TB + L);
            FloatVector c = FloatVector.broadcast(FS, k[k0 + i]);
            a0 = x.fma(c, a0); b0 = y.fma(c, b0);
            c = FloatVector.broadcast(FS, k[k1 + i]);
            a1 = x.fma(c, a1); b1 = y.fma(c, b1);
            c = FloatVector.broadcast(FS, k[k2 + i]);
            a2 = x.fma(c, a2); b2 = y.fma(c, b2);
            c = FloatVector.broadcast(FS, k[k3 + i]);
            a3 = x.fma(c, a3); b3 = y.fma(c, b3);
            c = FloatVector.broadcast(FS, k[k4 + i]);
            a4 = x.fma(c, a4); b4 = y.fma(c, b4);
            c = FloatVector.broadcast(FS, k[k5 + i]);
            a5 = x.fma(c, a5); b5 = y.fma(c, b5);
        }
        // repeats of the last slot land in rows past the block's slots, which are never read
        int o = j * TB;
        a0.intoArray(st, o); b0.intoArray(st, o + L);
        a1.intoArray(st, o + TB); b1.intoArray(st, o + TB + L);
        a2.intoArray(st, o + 2 * TB); b2.intoArray(st, o + 2 * TB + L);
        a3.intoArray(st, o + 3 * TB); b3.intoArray(st, o + 3 * TB + L);
        a4.intoArray(st, o + 4 * TB); b4.intoArray(st, o + 4 * TB + L);
        a5.intoArray(st, o + 5 * TB); b5.intoArray(st, o + 5 * TB + L);
    }

    /** Causal mask of a slot block: slot {@code j} is hidden from lanes whose row {@code rowOfLane[lane] < j + shift}. */
    private static void maskCausal(float[] st, int ns, int shift, float[] rowOfLane) {
        FloatVector lx = FloatVector.fromArray(FS, rowOfLane, 0), ly = FloatVector.fromArray(FS, rowOfLane, L);
        for (int j = 0; j < ns; j++) {
            float lim = j + shift;
            if (lim <= 0) continue;
            FloatVector x = FloatVector.fromArray(FS, st, j * TB), y = FloatVector.fromArray(FS, st, j * TB + L);
            x.blend(NEG_INF, lx.compare(VectorOperators.LT, lim)).intoArray(st, j * TB);
            y.blend(NEG_INF, ly.compare(VectorOperators.LT, lim)).intoArray(st, j * TB + L);
        }
    }

    /** Adds the bias of slots {@code j0 .. ns-1} of a block, {@code bias[off ..]} for slot {@code j0}. */
    private static void addBias(float[] st, int j0, int ns, float[] bias, int off) {
        for (int i = j0 * TB, o = off; i < ns * TB; i += L, o += L) FloatVector.fromArray(FS, st, i).add(FloatVector.fromArray(FS, bias, o)).intoArray(st, i);
    }

    /**
     * Online softmax over one slot block, per lane (row): new max, {@code st} turned into
     * {@code exp(s - max)}, the running sum and the partial output {@code ot} rescaled by
     * {@code exp(oldMax - max)} where the max grew. A row with no visible slot so far keeps max -inf,
     * sum 0 and weights 0 (exp is taken against 0 there, never -inf - -inf).
     */
    private static void softmaxStep(float[] st, int ns, float[] m, float[] l, float[] ot, int hs) {
        for (int c = 0; c < TB; c += L) {
            FloatVector mOld = FloatVector.fromArray(FS, m, c), mx = mOld;
            for (int j = 0; j < ns; j++) mx = mx.max(FloatVector.fromArray(FS, st, j * TB + c));
            VectorMask<Float> none = mx.compare(VectorOperators.EQ, NEG_INF);
            FloatVector ref = mx.blend(0f, none);
            FloatVector sum = FloatVector.zero(FS);
            for (int j = 0; j < ns; j++) {
                FloatVector e = FloatVector.fromArray(FS, st, j * TB + c).sub(ref).lanewise(VectorOperators.EXP);
                e.intoArray(st, j * TB + c);
                sum = sum.add(e);
            }
            FloatVector lOld = FloatVector.fromArray(FS, l, c);
            if (mx.compare(VectorOperators.GT, mOld).anyTrue()) {
                FloatVector alpha = mOld.sub(ref).lanewise(VectorOperators.EXP);
                for (int d = 0; d < hs; d++) FloatVector.fromArray(FS, ot, d * TB + c).mul(alpha).intoArray(ot, d * TB + c);
                lOld = lOld.mul(alpha);
            }
            lOld.add(sum).intoArray(l, c);
            mx.intoArray(m, c);
        }
    }

    /**
     * {@code ot[d'] += sum_j st[j] * v[j][d']} for output indices {@code d' = d .. d+3}, slots
     * {@code 0 .. ns-1} from {@code v[vOff]}. The four value reads share one index plus constants, so C2
     * checks their bounds twice per slot instead of four times; eight accumulators leave C2 room for the
     * broadcasts it hoists (with six output indices it spilled one accumulator).
     */
    private static void accumulate4(float[] st, int ns, float[] v, int vOff, int kvDim, int d, float[] ot) {
        int o = d * TB;
        FloatVector a0 = FloatVector.fromArray(FS, ot, o), b0 = FloatVector.fromArray(FS, ot, o + L);
        FloatVector a1 = FloatVector.fromArray(FS, ot, o + TB), b1 = FloatVector.fromArray(FS, ot, o + TB + L);
        FloatVector a2 = FloatVector.fromArray(FS, ot, o + 2 * TB), b2 = FloatVector.fromArray(FS, ot, o + 2 * TB + L);
        FloatVector a3 = FloatVector.fromArray(FS, ot, o + 3 * TB), b3 = FloatVector.fromArray(FS, ot, o + 3 * TB + L);
        for (int j = 0, vo = vOff + d; j < ns; j++, vo += kvDim) {
            FloatVector x = FloatVector.fromArray(FS, st, j * TB), y = FloatVector.fromArray(FS, st, j * TB + L);
            FloatVector c = FloatVector.broadcast(FS, v[vo]);
            a0 = x.fma(c, a0); b0 = y.fma(c, b0);
            c = FloatVector.broadcast(FS, v[vo + 1]);
            a1 = x.fma(c, a1); b1 = y.fma(c, b1);
            c = FloatVector.broadcast(FS, v[vo + 2]);
            a2 = x.fma(c, a2); b2 = y.fma(c, b2);
            c = FloatVector.broadcast(FS, v[vo + 3]);
            a3 = x.fma(c, a3); b3 = y.fma(c, b3);
        }
        a0.intoArray(ot, o); b0.intoArray(ot, o + L);
        a1.intoArray(ot, o + TB); b1.intoArray(ot, o + TB + L);
        a2.intoArray(ot, o + 2 * TB); b2.intoArray(ot, o + 2 * TB + L);
        a3.intoArray(ot, o + 3 * TB); b3.intoArray(ot, o + 3 * TB + L);
    }

    /**
     * {@link #accumulate4} for the last output indices of the head, {@code d .. dLast} (fewer than four), in a six-wide tile:
     * the missing ones repeat {@code dLast}, whose copies all hold the same sum.
     */
    private static void accumulateTail(float[] st, int ns, float[] v, int vOff, int kvDim, int d, int dLast, float[] ot) {
        int d1 = Math.min(d + 1, dLast), d2 = Math.min(d + 2, dLast), d3 = Math.min(d + 3, dLast);
        int d4 = Math.min(d + 4, dLast), d5 = Math.min(d + 5, dLast);
        FloatVector a0 = FloatVector.fromArray(FS, ot, d * TB), b0 = FloatVector.fromArray(FS, ot, d * TB + L);
        FloatVector a1 = FloatVector.fromArray(FS, ot, d1 * TB), b1 = FloatVector.fromArray(FS, ot, d1 * TB + L);
        FloatVector a2 = FloatVector.fromArray(FS, ot, d2 * TB), b2 = FloatVector.fromArray(FS, ot, d2 * TB + L);
        FloatVector a3 = FloatVector.fromArray(FS, ot, d3 * TB), b3 = FloatVector.fromArray(FS, ot, d3 * TB + L);
        FloatVector a4 = FloatVector.fromArray(FS, ot, d4 * TB), b4 = FloatVector.fromArray(FS, ot, d4 * TB + L);
        FloatVector a5 = FloatVector.fromArray(FS, ot, d5 * TB), b5 = FloatVector.fromArray(FS, ot, d5 * TB + L);
        for (int j = 0, vo = vOff; j < ns; j++, vo += kvDim) {
            FloatVector x = FloatVector.fromArray(FS, st, j * TB), y = FloatVector.fromArray(FS, st, j * TB + L);
            FloatVector c = FloatVector.broadcast(FS, v[vo + d]);
            a0 = x.fma(c, a0); b0 = y.fma(c, b0);
            c = FloatVector.broadcast(FS, v[vo + d1]);
            a1 = x.fma(c, a1); b1 = y.fma(c, b1);
            c = FloatVector.broadcast(FS, v[vo + d2]);
            a2 = x.fma(c, a2); b2 = y.fma(c, b2);
            c = FloatVector.broadcast(FS, v[vo + d3]);
            a3 = x.fma(c, a3); b3 = y.fma(c, b3);
            c = FloatVector.broadcast(FS, v[vo + d4]);
            a4 = x.fma(c, a4); b4 = y.fma(c, b4);
            c = FloatVector.broadcast(FS, v[vo + d5]);
            a5 = x.fma(c, a5); b5 = y.fma(c, b5);
        }
        // the repeats store last, in the same order as loaded: each index ends up with its own full sum
        a0.intoArray(ot, d * TB); b0.intoArray(ot, d * TB + L);
        a1.intoArray(ot, d1 * TB); b1.intoArray(ot, d1 * TB + L);
        a2.intoArray(ot, d2 * TB); b2.intoArray(ot, d2 * TB + L);
        a3.intoArray(ot, d3 * TB); b3.intoArray(ot, d3 * TB + L);
        a4.intoArray(ot, d4 * TB); b4.intoArray(ot, d4 * TB + L);
        a5.intoArray(ot, d5 * TB); b5.intoArray(ot, d5 * TB + L);
    }
}
