package dev.minerva.tensor;

import dev.minerva.TestModels;
import dev.minerva.model.ModelLoader;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link Q8_0Codec} against a float64 reference of ggml's Q8_0 rule: per 32 values {@code d = max|x| / 127},
 * {@code q = round(x / d)} half away from zero with the unrounded {@code d} (as llama.cpp's
 * {@code quantize_row_q8_0_ref}), and {@code d} stored rounded to the nearest f16 (ties to even, subnormals
 * included). The codec computes in float ({@code x * (1/d)}), so a {@code q} may differ from the reference only
 * where {@code x / d} lies within float rounding of a .5 boundary, and a scale only where the float quotient
 * {@code d} lands on the other side of an f16 rounding midpoint; both are counted and must be rare.
 */
class Q8_0CodecTest {
    private static final int B = Q8_0Codec.BLOCK;
    /** |x/d − (k + ½)| below which float and float64 may round a value differently. */
    private static final double NEAR_TIE = 1e-4;

    /** Nearest f16 value of {@code v} (round half to even), by scaling to the f16 ulp of v's binade; |v| < 65504. */
    static double f16Round(double v) {
        if (v == 0) return 0;
        int e = Math.max(Math.getExponent(v), -14);           // f16 subnormals share the ulp of the lowest binade
        double ulp = Math.scalb(1.0, e - 10);
        return Math.rint(v / ulp) * ulp;
    }

    static int roundHalfAway(double v) { return (int) Math.signum(v) * (int) Math.floor(Math.abs(v) + 0.5); }

    /** The reference of one block: q values and the f16-rounded scale (last element). */
    static double[] reference(float[] x, int base) {
        double amax = 0;
        for (int j = 0; j < B; j++) amax = Math.max(amax, Math.abs((double) x[base + j]));
        double d = amax / 127;
        double[] r = new double[B + 1];
        for (int j = 0; j < B; j++) r[j] = d == 0 ? 0 : roundHalfAway(x[base + j] / d);
        r[B] = f16Round(d);
        return r;
    }

    /** Where the codec and the reference part ways, with the near-tie and scale-midpoint exceptions counted. */
    record Comparison(int blocks, int values, int nearTieDiffs, int scaleMidpointDiffs, List<String> failures) {}

    static Comparison compare(float[] x) {
        int nb = x.length / B, nearTie = 0, midpoint = 0;
        List<String> failures = new ArrayList<>();
        byte[] qa = new byte[x.length];
        float[] sa = new float[nb];
        Q8_0Codec.quantize(x, 0, x.length, qa, sa);                      // activation path
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate((long) nb * Q8_0Codec.BLOCK_BYTES);
            Q8_0Codec.quantize(x, 0, x.length, seg, 0);                 // weight (GGUF block) path
            float[] deq = new float[x.length];
            Q8_0Codec.dequantize(seg, 0, x.length, deq, 0);
            for (int b = 0; b < nb; b++) {
                double[] ref = reference(x, b * B);
                long o = (long) b * Q8_0Codec.BLOCK_BYTES;
                float stored = Float.float16ToFloat(seg.get(ValueLayout.JAVA_SHORT_UNALIGNED, o));
                if (sa[b] != stored) failures.add("block " + b + ": activation scale " + sa[b] + " ≠ stored block scale " + stored);
                if (stored != ref[B]) {
                    double d = blockMax(x, b * B) / 127;
                    // allowed only when the float quotient rounds across an f16 midpoint that the exact one does not
                    if (f16Round((float) d) == stored) midpoint++;
                    else failures.add("block " + b + ": scale " + stored + ", reference f16(" + d + ") = " + ref[B]);
                }
                double d = blockMax(x, b * B) / 127;
                for (int j = 0; j < B; j++) {
                    int i = b * B + j;
                    byte q = seg.get(ValueLayout.JAVA_BYTE, o + 2 + j);
                    if (qa[i] != q) failures.add("value " + i + ": activation q " + qa[i] + " ≠ block q " + q);
                    if (deq[i] != q * stored) failures.add("value " + i + ": dequantised " + deq[i] + " ≠ q·d " + q * stored);
                    if (q != ref[j]) {
                        double t = Math.abs(x[i] / d);
                        if (Math.abs(t - Math.floor(t) - 0.5) < NEAR_TIE && Math.abs(q - ref[j]) == 1) nearTie++;
                        else failures.add("value " + i + " (block " + b + ", x " + x[i] + ", x/d " + x[i] / d + "): q " + q + ", reference " + ref[j]);
                    }
                }
            }
        }
        return new Comparison(nb, x.length, nearTie, midpoint, failures);
    }

    private static double blockMax(float[] x, int base) {
        double m = 0;
        for (int j = 0; j < B; j++) m = Math.max(m, Math.abs((double) x[base + j]));
        return m;
    }

    private static void assertMatches(String what, Comparison c) { assertMatches(what, c, c.values() / 10_000); }

    private static void assertMatches(String what, Comparison c, int nearTiesAllowed) {
        System.out.printf("%s: %d blocks, %d values; q differing at float-vs-float64 near-ties: %d; scales across an f16 midpoint: %d%n",
                what, c.blocks(), c.values(), c.nearTieDiffs(), c.scaleMidpointDiffs());
        if (!c.failures().isEmpty()) {
            fail(what + ": " + c.failures().size() + " differences from the float64 reference, first: " + c.failures().subList(0, Math.min(5, c.failures().size())));
        }
        assertTrue(c.nearTieDiffs() <= nearTiesAllowed, what + ": too many near-tie differences " + c.nearTieDiffs());
        assertTrue(c.scaleMidpointDiffs() <= c.blocks() / 1_000, what + ": too many scale midpoint differences " + c.scaleMidpointDiffs());
    }

    /**
     * Exact ties: with max|x| = 127 the scale is 1, so every x.5 is a tie, which both paths (the vectorised activation
     * quantiser and the scalar weight path) must round away from zero; values just below a tie round towards it.
     */
    @Test void exactTiesRoundAwayFromZeroInBothPaths() {
        float[] x = new float[2 * B];
        int[] expect = new int[2 * B];
        x[0] = 127; expect[0] = 127;
        x[B] = -127; expect[B] = -127;
        for (int j = 1; j < B; j++) {
            float tie = j - 0.5f;                                       // 0.5, 1.5, ..., 30.5
            x[j] = (j % 2 == 0 ? -1 : 1) * tie;
            expect[j] = (j % 2 == 0 ? -1 : 1) * j;
            x[B + j] = (j % 2 == 0 ? 1 : -1) * Math.nextDown(tie);     // just below the tie in magnitude
            expect[B + j] = (j % 2 == 0 ? 1 : -1) * (j - 1);
        }
        byte[] qa = new byte[x.length];
        float[] sa = new float[2];
        Q8_0Codec.quantize(x, 0, x.length, qa, sa);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(2L * Q8_0Codec.BLOCK_BYTES);
            Q8_0Codec.quantize(x, 0, x.length, seg, 0);
            for (int i = 0; i < x.length; i++) {
                byte q = seg.get(ValueLayout.JAVA_BYTE, (long) (i / B) * Q8_0Codec.BLOCK_BYTES + 2 + i % B);
                assertEquals(expect[i], qa[i], "activation path, value " + i + " = " + x[i]);
                assertEquals(expect[i], q, "weight path, value " + i + " = " + x[i]);
            }
        }
        assertArrayEquals(new float[]{1, 1}, sa);
    }

    @Test void randomBlocksMatchTheFloat64Reference() {
        Random r = new Random(42);
        float[] x = new float[4096 * B];
        for (int b = 0; b < x.length / B; b++) {
            double scale = Math.pow(10, -4 + 7 * r.nextDouble());        // 1e-4 .. 1e3: f16 subnormal scales included
            boolean outlier = r.nextInt(4) == 0;
            for (int j = 0; j < B; j++) x[b * B + j] = (float) (r.nextGaussian() * scale);
            if (outlier) x[b * B + r.nextInt(B)] *= 20;
        }
        assertMatches("random", compare(x));
    }

    @Test void edgeBlocks() {
        float[] x = new float[4 * B];
        // block 0: max 127 gives d = 1 exactly, so k + ½ are exact ties: half away from zero (2.5 → 3, −2.5 → −3)
        x[0] = 127;
        for (int j = 1; j < B; j++) x[j] = (j % 2 == 0 ? 1 : -1) * (j + 0.5f);
        // block 1: all zero → scale 0, q 0
        // block 2: a scale below f16's smallest subnormal (d ≈ 7.9e-9 rounds to 0): q still from the unrounded d
        for (int j = 0; j < B; j++) x[2 * B + j] = 1e-6f * (j - 16) / 16;
        // block 3: one outlier, the rest far below one step
        x[3 * B + 5] = -1000;
        for (int j = 0; j < B; j++) if (j != 5) x[3 * B + j] = 0.01f * j;
        // block 2's ±5e-7 are exactly ±63.5 steps in float64; float's x·(1/d) lands just below (as llama.cpp's float code does)
        assertMatches("edges", compare(x), 2);
        byte[] q = new byte[x.length];
        float[] s = new float[4];
        Q8_0Codec.quantize(x, 0, x.length, q, s);
        assertEquals(1f, s[0]);
        assertEquals(3, q[2]);                  // 2.5
        assertEquals(-4, q[3]);                 // −3.5
        assertEquals(0f, s[1]);
        assertEquals(0, q[B + 7]);
        assertEquals(0f, s[2], "a scale below f16's range is stored as 0");
        assertEquals(-127, q[2 * B], "q from the unrounded scale");      // x = −max → −127
        assertEquals(-127, q[3 * B + 5]);
        assertEquals(0, q[3 * B + 31]);         // 0.31 / (1000/127) = 0.04
    }

    @Test void stories260KWeightsMatchTheFloat64Reference() throws Exception {
        var bin = TestModels.require("stories260K/stories260K.bin");
        var m = ModelLoader.open(bin, null);
        int tensors = 0;
        for (Tensor t : m.weights().tensors().values()) {
            if (t.rank() < 2 || t.cols() % B != 0) continue;
            assertMatches(t.name(), compare(TensorCodec.toFloats(t)));
            tensors++;
        }
        assertEquals(31, tensors, "tok_embeddings and wq, wk, wv, wo, w1, w3 of 5 layers");
    }
}
