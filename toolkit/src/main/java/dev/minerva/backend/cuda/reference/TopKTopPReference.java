package dev.minerva.backend.cuda.reference;

/**
 * The device sampler of {@code sample.cu} ({@code sample_topkp_f32}) in plain Java: the same threshold
 * search, random stream and selection rule, so the algorithm is verified against a sort-based top-k/top-p
 * sampler on any machine, and a GPU run can be compared token for token.
 *
 * <ol>
 * <li>{@code z_i = logit_i / temperature}, {@code m = max z}, weights {@code e_i = exp(z_i - m)}, total {@code S}.</li>
 * <li>Kept set {@code {i : z_i >= tau}} where tau is the largest float with
 *     {@code count(z >= tau) >= k} (top-k on) or {@code sum_{z >= tau} e >= p * S} (top-p on): a binary search
 *     over the order-preserving 32-bit keys of floats, exact; ties at tau are all kept.</li>
 * <li>{@code u} = top 24 bits of {@code splitmix64(seed ^ splitmix64(counter + row))} / 2^24;
 *     the token is the first kept index whose running sum of {@code e} exceeds {@code u * keptMass}.</li>
 * </ol>
 */
public final class TopKTopPReference {
    private TopKTopPReference() {}

    /** The chosen token and its probability within the kept set. */
    public record Draw(int token, float probability, float threshold, int kept) {}

    public static long splitmix64(long x) {
        x += 0x9E3779B97F4A7C15L;
        x = (x ^ (x >>> 30)) * 0xBF58476D1CE4E5B9L;
        x = (x ^ (x >>> 27)) * 0x94D049BB133111EBL;
        return x ^ (x >>> 31);
    }

    /** The uniform draw in [0, 1) for {@code row} at RNG {@code (seed, counter)}. */
    public static float uniform(long seed, long counter, int row) {
        return (float) (splitmix64(seed ^ splitmix64(counter + row)) >>> 40) * (1.0f / 16777216.0f);
    }

    static int key(float f) {
        int u = Float.floatToRawIntBits(f);
        return (u & 0x80000000) != 0 ? ~u : (u | 0x80000000);
    }

    static float unkey(int k) {
        return Float.intBitsToFloat((k & 0x80000000) != 0 ? (k & 0x7fffffff) : ~k);
    }

    /** The threshold tau of step 2 (the smallest logit-over-temperature that is kept). */
    public static float threshold(float[] logits, float temperature, int topK, float topP) {
        int n = logits.length;
        float inv = 1.0f / temperature;
        boolean useK = topK > 0 && topK < n, useP = topP > 0f && topP < 1f;
        float mx = Float.NEGATIVE_INFINITY, mn = Float.POSITIVE_INFINITY;
        for (float l : logits) { float z = l * inv; mx = Math.max(mx, z); mn = Math.min(mn, z); }
        float total = 0f;
        for (float l : logits) total += (float) Math.exp(l * inv - mx);
        // unsigned binary search over keys in [key(mn), key(mx)]
        long lo = Integer.toUnsignedLong(key(mn)), hi = Integer.toUnsignedLong(key(mx));
        if (useK || useP) {
            while (lo < hi) {
                long mid = lo + (hi - lo + 1) / 2;
                float tau = unkey((int) mid);
                int cnt = 0;
                float mass = 0f;
                for (float l : logits) { float z = l * inv; if (z >= tau) { cnt++; mass += (float) Math.exp(z - mx); } }
                boolean ok = (useK && cnt >= topK) || (useP && mass >= topP * total);
                if (ok) lo = mid; else hi = mid - 1;
            }
        }
        return unkey((int) lo);
    }

    /** Steps 1-3 for one row. */
    public static Draw sample(float[] logits, float temperature, int topK, float topP, long seed, long counter, int row) {
        float inv = 1.0f / temperature;
        float tau = threshold(logits, temperature, topK, topP);
        float mx = Float.NEGATIVE_INFINITY;
        for (float l : logits) mx = Math.max(mx, l * inv);
        double keptMass = 0;
        int kept = 0, last = -1;
        for (int i = 0; i < logits.length; i++) {
            float z = logits[i] * inv;
            if (z >= tau) { keptMass += Math.exp(z - mx); kept++; last = i; }
        }
        double target = uniform(seed, counter, row) * keptMass;
        double acc = 0;
        int pick = last;
        for (int i = 0; i < logits.length; i++) {
            float z = logits[i] * inv;
            if (z >= tau) { acc += Math.exp(z - mx); if (acc > target) { pick = i; break; } }
        }
        return new Draw(pick, (float) (Math.exp(logits[pick] * inv - mx) / keptMass), tau, kept);
    }
}
