package dev.minerva.backend.cuda.reference;

/**
 * The tiled prefill attention of {@code attention.cu} ({@code attn_prefill_f32}) in plain Java: for each
 * kv head, query rows are the flattened (token, head-in-group) pairs {@code f = t * group + g}, keys stream
 * in tiles of 32 with an online softmax, causal by position. Verified against naive attention; this
 * checks the GQA row flattening and the causal limits, which differ from the CPU backend's loops.
 */
public final class FlashPrefillReference {
    private FlashPrefillReference() {}

    static final int TILE = 32;

    /**
     * @param q       (T, nHeads, headDim) queries of the new tokens
     * @param kCache  (pos0 + T, nKvHeads, headDim) keys, new tokens included
     * @param vCache  (pos0 + T, nKvHeads, headDim) values
     * @param pos0    position of the first new token
     * @return (T, nHeads, headDim)
     */
    public static float[][][] attend(float[][][] q, float[][][] kCache, float[][][] vCache, int pos0,
                                     int nHeads, int nKvHeads, float scale) {
        int T = q.length, hd = q[0][0].length, group = nHeads / nKvHeads;
        float[][][] out = new float[T][nHeads][hd];
        for (int kvh = 0; kvh < nKvHeads; kvh++) {
            for (int f = 0; f < T * group; f++) {
                int t = f / group, h = kvh * group + f % group, qpos = pos0 + t;
                FlashDecodingReference.Partial acc = new FlashDecodingReference.Partial(hd);
                for (int j0 = 0; j0 <= qpos; j0 += TILE) {
                    // one tile: scores of the visible keys, then a single rescale as the kernel does per tile
                    float[] s = new float[TILE];
                    float tileMax = Float.NEGATIVE_INFINITY;
                    for (int j = 0; j < TILE; j++) {
                        int key = j0 + j;
                        if (key > qpos) { s[j] = Float.NEGATIVE_INFINITY; continue; }
                        float sc = 0f;
                        for (int d = 0; d < hd; d++) sc += q[t][h][d] * kCache[key][kvh][d];
                        s[j] = sc * scale;
                        tileMax = Math.max(tileMax, s[j]);
                    }
                    float mNew = Math.max(acc.m, tileMax);
                    float corr = FlashDecodingReference.expDiff(acc.m, mNew);
                    float sum = 0f;
                    float[] p = new float[TILE];
                    for (int j = 0; j < TILE; j++) { p[j] = s[j] == Float.NEGATIVE_INFINITY ? 0f : (float) Math.exp(s[j] - mNew); sum += p[j]; }
                    acc.l = acc.l * corr + sum;
                    for (int d = 0; d < hd; d++) {
                        float o = acc.o[d] * corr;
                        for (int j = 0; j < TILE; j++) if (p[j] != 0f) o += p[j] * vCache[j0 + j][kvh][d];
                        acc.o[d] = o;
                    }
                    acc.m = mNew;
                }
                for (int d = 0; d < hd; d++) out[t][h][d] = acc.o[d] / acc.l;
            }
        }
        return out;
    }
}
