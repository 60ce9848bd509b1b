package dev.minerva.backend.cuda.reference;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** The GPU attention algorithms (split-KV decode with merges; tiled causal GQA prefill) against naive float64 softmax attention. */
class FlashAttentionReferenceTest {

    static float[][] randn(Random r, int n, int d, double sd) {
        float[][] a = new float[n][d];
        for (float[] row : a) for (int i = 0; i < d; i++) row[i] = (float) (r.nextGaussian() * sd);
        return a;
    }

    static double[] naive(float[] q, float[][] k, float[][] v, int len, double scale) {
        double[] s = new double[len];
        double m = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < len; j++) {
            double d = 0;
            for (int i = 0; i < q.length; i++) d += (double) q[i] * k[j][i];
            s[j] = d * scale;
            m = Math.max(m, s[j]);
        }
        double sum = 0;
        for (int j = 0; j < len; j++) { s[j] = Math.exp(s[j] - m); sum += s[j]; }
        double[] out = new double[q.length];
        for (int j = 0; j < len; j++) for (int i = 0; i < q.length; i++) out[i] += s[j] / sum * v[j][i];
        return out;
    }

    static void assertClose(double[] want, float[] got, double tol, String what) {
        double num = 0, den = 0;
        int worst = 0;
        double worstDiff = 0;
        for (int i = 0; i < want.length; i++) {
            double d = Math.abs(want[i] - got[i]);
            if (Double.isNaN(got[i])) fail(what + ": NaN at " + i);
            num += d * d;
            den += want[i] * want[i];
            if (d > worstDiff) { worstDiff = d; worst = i; }
        }
        double rel = Math.sqrt(num / Math.max(den, 1e-30));
        assertTrue(rel < tol, what + ": relative error " + rel + " (worst index " + worst + ": want " + want[worst] + ", got " + got[worst] + ")");
    }

    @Test
    void splitKvDecodeMatchesNaive() {
        Random rnd = new Random(11);
        for (int hd : new int[]{32, 64, 128}) {
            int groups = FlashDecodingReference.kernelGroups(hd);
            for (int len : new int[]{1, 2, 31, 257, 1000}) {
                for (int chunk : new int[]{64, 256, 4096}) {
                    float[] q = randn(rnd, 1, hd, 1.0)[0];
                    float[][] k = randn(rnd, len, hd, 1.0), v = randn(rnd, len, hd, 1.0);
                    float[] got = FlashDecodingReference.attend(q, k, v, (float) (1 / Math.sqrt(hd)), chunk, groups);
                    assertClose(naive(q, k, v, len, 1 / Math.sqrt(hd)), got, 1e-5,
                            "decode hd=" + hd + " len=" + len + " chunk=" + chunk);
                }
            }
        }
    }

    @Test
    void splitKvSurvivesLargeScores() {
        // scores around 80: exp would overflow without the running max; empty-looking splits must not give NaN
        Random rnd = new Random(3);
        int hd = 64, len = 300;
        float[] q = randn(rnd, 1, hd, 3.0)[0];
        float[][] k = randn(rnd, len, hd, 3.0), v = randn(rnd, len, hd, 1.0);
        float[] got = FlashDecodingReference.attend(q, k, v, 1f, 100, 8);
        assertClose(naive(q, k, v, len, 1.0), got, 1e-4, "decode with large scores");
    }

    @Test
    void tiledPrefillMatchesNaiveCausalGqa() {
        Random rnd = new Random(5);
        int nHeads = 8, nKv = 2, hd = 32;
        for (int pos0 : new int[]{0, 7, 40}) {
            for (int T : new int[]{1, 5, 33}) {
                int n = pos0 + T;
                float[][][] q = new float[T][nHeads][];
                for (int t = 0; t < T; t++) q[t] = randn(rnd, nHeads, hd, 1.0);
                float[][][] kc = new float[n][][], vc = new float[n][][];
                for (int j = 0; j < n; j++) { kc[j] = randn(rnd, nKv, hd, 1.0); vc[j] = randn(rnd, nKv, hd, 1.0); }
                float scale = (float) (1 / Math.sqrt(hd));
                float[][][] got = FlashPrefillReference.attend(q, kc, vc, pos0, nHeads, nKv, scale);
                for (int t = 0; t < T; t++) {
                    for (int h = 0; h < nHeads; h++) {
                        int kvh = h / (nHeads / nKv), len = pos0 + t + 1;
                        float[][] k = new float[len][], v = new float[len][];
                        for (int j = 0; j < len; j++) { k[j] = kc[j][kvh]; v[j] = vc[j][kvh]; }
                        assertClose(naive(q[t][h], k, v, len, scale), got[t][h], 1e-5,
                                "prefill pos0=" + pos0 + " T=" + T + " token " + t + " head " + h);
                    }
                }
            }
        }
    }
}
