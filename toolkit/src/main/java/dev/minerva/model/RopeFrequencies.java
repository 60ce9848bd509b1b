package dev.minerva.model;

/**
 * Per-pair RoPE angular frequencies {@code theta^(-2i/headSize)}, with Llama 3.1 frequency-dependent
 * scaling when the config asks for it (long wavelengths divided by {@code factor}, short ones kept,
 * a smooth blend between; as in Meta's reference {@code apply_scaling}).
 */
public final class RopeFrequencies {
    private RopeFrequencies() {}

    /** (headSize / 2) frequencies. */
    public static float[] of(ModelConfig c) {
        int hs = c.headSize();
        float[] f = new float[hs / 2];
        for (int i = 0; i < f.length; i++) {
            double freq = 1.0 / Math.pow(c.ropeTheta(), (2.0 * i) / hs);
            ModelConfig.RopeScaling s = c.ropeScaling();
            if (s != null) {
                double lowWavelen = s.originalMaxPositions() / s.lowFreqFactor();
                double highWavelen = s.originalMaxPositions() / s.highFreqFactor();
                double wavelen = 2 * Math.PI / freq;
                if (wavelen > lowWavelen) {
                    freq = freq / s.factor();
                } else if (wavelen >= highWavelen) {
                    double smooth = (s.originalMaxPositions() / wavelen - s.lowFreqFactor()) / (s.highFreqFactor() - s.lowFreqFactor());
                    freq = (1 - smooth) * freq / s.factor() + smooth * freq;
                }
            }
            f[i] = (float) freq;
        }
        return f;
    }
}
