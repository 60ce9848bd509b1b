package dev.minerva.model;

import dev.minerva.tensor.TensorCodec;

/**
 * A plain float64 Llama forward pass over a whole token sequence (positions 0..T-1, causal), written
 * from the architecture's definition and sharing no code with the engine except reading weights.
 * Returns logits (T, vocab).
 */
final class ReferenceLlama {
    private ReferenceLlama() {}

    static double[][] logits(Weights w, int[] tokens) {
        ModelConfig c = w.config();
        int T = tokens.length, dim = c.dim(), hs = c.headSize(), nh = c.nHeads(), nkv = c.nKvHeads();
        double[][] x = new double[T][];
        double[][] emb = mat(w, "tok_embeddings");
        for (int t = 0; t < T; t++) x[t] = emb[tokens[t]].clone();
        for (int l = 0; l < c.nLayers(); l++) {
            double[][] h = new double[T][];
            for (int t = 0; t < T; t++) h[t] = rmsnorm(x[t], vec(w, Weights.name(l, "rms_att")), c.rmsEps());
            double[][] q = new double[T][], k = new double[T][], v = new double[T][];
            for (int t = 0; t < T; t++) {
                q[t] = rope(mul(mat(w, Weights.name(l, "wq")), h[t]), t, hs, c);
                k[t] = rope(mul(mat(w, Weights.name(l, "wk")), h[t]), t, hs, c);
                v[t] = mul(mat(w, Weights.name(l, "wv")), h[t]);
            }
            for (int t = 0; t < T; t++) {
                double[] att = new double[dim];
                for (int head = 0; head < nh; head++) {
                    int kvh = head / (nh / nkv);
                    double[] s = new double[t + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int u = 0; u <= t; u++) {
                        double d = 0;
                        for (int i = 0; i < hs; i++) d += q[t][head * hs + i] * k[u][kvh * hs + i];
                        s[u] = d / Math.sqrt(hs);
                        max = Math.max(max, s[u]);
                    }
                    double sum = 0;
                    for (int u = 0; u <= t; u++) { s[u] = Math.exp(s[u] - max); sum += s[u]; }
                    for (int u = 0; u <= t; u++) {
                        for (int i = 0; i < hs; i++) att[head * hs + i] += s[u] / sum * v[u][kvh * hs + i];
                    }
                }
                add(x[t], mul(mat(w, Weights.name(l, "wo")), att));
            }
            for (int t = 0; t < T; t++) {
                double[] n = rmsnorm(x[t], vec(w, Weights.name(l, "rms_ffn")), c.rmsEps());
                double[] a = mul(mat(w, Weights.name(l, "w1")), n), b = mul(mat(w, Weights.name(l, "w3")), n);
                for (int i = 0; i < a.length; i++) a[i] = a[i] / (1 + Math.exp(-a[i])) * b[i];
                add(x[t], mul(mat(w, Weights.name(l, "w2")), a));
            }
        }
        double[][] cls = mat(w, c.tiedEmbeddings() ? "tok_embeddings" : "wcls");
        double[][] out = new double[T][];
        for (int t = 0; t < T; t++) out[t] = mul(cls, rmsnorm(x[t], vec(w, "rms_final"), c.rmsEps()));
        return out;
    }

    static double[] rmsnorm(double[] x, double[] g, double eps) {
        double ss = 0;
        for (double v : x) ss += v * v;
        double s = 1 / Math.sqrt(ss / x.length + eps);
        double[] o = new double[x.length];
        for (int i = 0; i < x.length; i++) o[i] = x[i] * s * g[i];
        return o;
    }

    /** RoPE on adjacent pairs with theta^(-2i/hs), Llama 3 scaling applied to the frequency as Meta's apply_scaling. */
    static double[] rope(double[] v, int pos, int hs, ModelConfig c) {
        double[] o = v.clone();
        for (int h = 0; h < v.length; h += hs) {
            for (int i = 0; i < hs; i += 2) {
                double freq = Math.pow(c.ropeTheta(), -(double) i / hs);
                var sc = c.ropeScaling();
                if (sc != null) {
                    double wavelen = 2 * Math.PI / freq;
                    double low = sc.originalMaxPositions() / sc.lowFreqFactor(), high = sc.originalMaxPositions() / sc.highFreqFactor();
                    if (wavelen > low) freq /= sc.factor();
                    else if (wavelen >= high) {
                        double smooth = (sc.originalMaxPositions() / wavelen - sc.lowFreqFactor()) / (sc.highFreqFactor() - sc.lowFreqFactor());
                        freq = (1 - smooth) * freq / sc.factor() + smooth * freq;
                    }
                }
                double a = pos * freq, cs = Math.cos(a), sn = Math.sin(a);
                o[h + i] = v[h + i] * cs - v[h + i + 1] * sn;
                o[h + i + 1] = v[h + i] * sn + v[h + i + 1] * cs;
            }
        }
        return o;
    }

    static double[] mul(double[][] m, double[] x) {
        double[] o = new double[m.length];
        for (int r = 0; r < m.length; r++) {
            double s = 0;
            for (int i = 0; i < x.length; i++) s += m[r][i] * x[i];
            o[r] = s;
        }
        return o;
    }

    static void add(double[] x, double[] y) { for (int i = 0; i < x.length; i++) x[i] += y[i]; }

    static double[][] mat(Weights w, String name) {
        var t = w.get(name);
        double[][] m = new double[(int) t.rows()][];
        for (int r = 0; r < m.length; r++) {
            float[] f = TensorCodec.row(t, r);
            m[r] = new double[f.length];
            for (int i = 0; i < f.length; i++) m[r][i] = f[i];
        }
        return m;
    }

    static double[] vec(Weights w, String name) {
        float[] f = TensorCodec.toFloats(w.get(name));
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }
}
