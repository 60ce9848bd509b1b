package dev.minerva.lab.calibration;

import dev.minerva.tensor.DType;

/**
 * ggml Q8_0: each row is cut into blocks of 32 weights; a block stores an f16 scale
 * {@code d = max|w| / 127} and 32 int8 {@code q = round(w / d)}: 34 bytes per 32 weights = 8.5 bits.
 * Blocks never straddle rows, so {@code cols} must be a multiple of 32.
 */
public final class GgmlQ8_0Format implements WeightFormat {
    static final int QK = 32;

    @Override public String id() { return "q8_0"; }
    @Override public DType engineType() { return DType.Q8_0; }
    @Override public String incompatibility(long rows, long cols) {
        return cols % QK == 0 ? null : "block size " + QK + " does not divide the row length " + cols;
    }
    @Override public long byteSize(long rows, long cols) { return rows * (cols / QK) * 34; }

    @Override public byte[] encode(float[] w, int rows, int cols) {
        int blocks = rows * cols / QK;
        byte[] out = new byte[blocks * 34];
        for (int b = 0; b < blocks; b++) {
            int base = b * QK;
            float amax = 0;
            for (int j = 0; j < QK; j++) amax = Math.max(amax, Math.abs(w[base + j]));
            float d = amax / 127f;
            float id = d != 0 ? 1f / d : 0f;
            short dh = Float.floatToFloat16(d);
            int o = b * 34;
            out[o] = (byte) dh;
            out[o + 1] = (byte) (dh >> 8);
            for (int j = 0; j < QK; j++) out[o + 2 + j] = (byte) Math.round(w[base + j] * id);
        }
        return out;
    }

    @Override public float[] decode(byte[] data, int rows, int cols) {
        int blocks = rows * cols / QK;
        float[] w = new float[rows * cols];
        for (int b = 0; b < blocks; b++) {
            int o = b * 34;
            float d = Float.float16ToFloat((short) ((data[o] & 0xFF) | (data[o + 1] << 8)));
            for (int j = 0; j < QK; j++) w[b * QK + j] = data[o + 2 + j] * d;
        }
        return w;
    }

    @Override public String toString() { return id(); }
}
