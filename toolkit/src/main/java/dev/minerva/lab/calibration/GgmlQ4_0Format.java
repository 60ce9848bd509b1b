package dev.minerva.lab.calibration;

import dev.minerva.tensor.DType;

/**
 * ggml Q4_0: blocks of 32 weights; the block's signed extreme {@code m} (largest |w|, sign kept)
 * gives the f16 scale {@code d = m / -8}; weights are stored as 4-bit {@code q = min(15, (int)(w/d + 8.5))}
 * and read back as {@code (q - 8) * d}. Element {@code j} sits in the low nibble of byte {@code j},
 * element {@code j+16} in its high nibble: 2 + 16 = 18 bytes per 32 weights = 4.5 bits.
 */
public final class GgmlQ4_0Format implements WeightFormat {
    static final int QK = 32;

    @Override public String id() { return "q4_0"; }
    @Override public DType engineType() { return DType.Q4_0; }
    @Override public String incompatibility(long rows, long cols) {
        return cols % QK == 0 ? null : "block size " + QK + " does not divide the row length " + cols;
    }
    @Override public long byteSize(long rows, long cols) { return rows * (cols / QK) * 18; }

    @Override public byte[] encode(float[] w, int rows, int cols) {
        int blocks = rows * cols / QK;
        byte[] out = new byte[blocks * 18];
        for (int b = 0; b < blocks; b++) {
            int base = b * QK;
            float amax = 0, max = 0;
            for (int j = 0; j < QK; j++) {
                float v = w[base + j];
                if (Math.abs(v) > amax) { amax = Math.abs(v); max = v; }
            }
            float d = max / -8f;
            float id = d != 0 ? 1f / d : 0f;
            short dh = Float.floatToFloat16(d);
            int o = b * 18;
            out[o] = (byte) dh;
            out[o + 1] = (byte) (dh >> 8);
            for (int j = 0; j < QK / 2; j++) {
                int q0 = Math.min(15, (int) (w[base + j] * id + 8.5f));
                int q1 = Math.min(15, (int) (w[base + j + QK / 2] * id + 8.5f));
                out[o + 2 + j] = (byte) (q0 | (q1 << 4));
            }
        }
        return out;
    }

    @Override public float[] decode(byte[] data, int rows, int cols) {
        int blocks = rows * cols / QK;
        float[] w = new float[rows * cols];
        for (int b = 0; b < blocks; b++) {
            int o = b * 18;
            float d = Float.float16ToFloat((short) ((data[o] & 0xFF) | (data[o + 1] << 8)));
            for (int j = 0; j < QK / 2; j++) {
                int v = data[o + 2 + j] & 0xFF;
                w[b * QK + j] = ((v & 0x0F) - 8) * d;
                w[b * QK + j + QK / 2] = ((v >>> 4) - 8) * d;
            }
        }
        return w;
    }

    @Override public String toString() { return id(); }
}
