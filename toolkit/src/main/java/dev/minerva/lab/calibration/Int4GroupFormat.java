package dev.minerva.lab.calibration;

import dev.minerva.tensor.DType;

/**
 * 4-bit group-wise asymmetric (min/scale) quantisation. Each row is cut into groups of {@code g}
 * consecutive weights (g = 32, 64 or 128, dividing the row length). A group stores
 * {@code d = f16((max - min) / 15)} and {@code m = f16(min)}, then {@code g} unsigned 4-bit codes
 * {@code q = clamp(round((w - m) / d), 0, 15)} (0 when d = 0), read back as {@code m + q * d}.
 * Layout per group: [f16 d][f16 m] (little-endian) then g/2 bytes, element 2k in the low nibble
 * and 2k+1 in the high nibble of byte k. Exact cost: {@code 4 + g/2} bytes per group, i.e.
 * {@code 4 + 32/g} bits per weight (g32: 5.0, g64: 4.5, g128: 4.25).
 * The engine has no kernel for it: it is evaluated fake-quantised.
 */
public final class Int4GroupFormat implements WeightFormat {
    private final int group;

    public Int4GroupFormat(int group) {
        if (group <= 0 || group % 2 != 0) throw new IllegalArgumentException("group size must be positive and even: " + group);
        this.group = group;
    }

    public int group() { return group; }

    @Override public String id() { return "i4_g" + group; }
    @Override public DType engineType() { return null; }
    @Override public String incompatibility(long rows, long cols) {
        return cols % group == 0 ? null : "group size " + group + " does not divide the row length " + cols;
    }
    @Override public long byteSize(long rows, long cols) { return rows * (cols / group) * (4 + group / 2); }

    @Override public byte[] encode(float[] w, int rows, int cols) {
        int groups = rows * cols / group, gb = 4 + group / 2;
        byte[] out = new byte[groups * gb];
        for (int g = 0; g < groups; g++) {
            int base = g * group;
            float lo = Float.POSITIVE_INFINITY, hi = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < group; j++) { lo = Math.min(lo, w[base + j]); hi = Math.max(hi, w[base + j]); }
            short dh = Float.floatToFloat16((hi - lo) / 15f);
            short mh = Float.floatToFloat16(lo);
            // codes are computed against the stored (rounded) d and m so decode error stays ~ d/2
            float d = Float.float16ToFloat(dh), m = Float.float16ToFloat(mh);
            float inv = d != 0 ? 1f / d : 0f;
            int o = g * gb;
            out[o] = (byte) dh; out[o + 1] = (byte) (dh >> 8);
            out[o + 2] = (byte) mh; out[o + 3] = (byte) (mh >> 8);
            for (int k = 0; k < group / 2; k++) {
                int q0 = clamp(Math.round((w[base + 2 * k] - m) * inv));
                int q1 = clamp(Math.round((w[base + 2 * k + 1] - m) * inv));
                out[o + 4 + k] = (byte) (q0 | (q1 << 4));
            }
        }
        return out;
    }

    private static int clamp(int q) { return Math.max(0, Math.min(15, q)); }

    @Override public float[] decode(byte[] data, int rows, int cols) {
        int groups = rows * cols / group, gb = 4 + group / 2;
        float[] w = new float[rows * cols];
        for (int g = 0; g < groups; g++) {
            int o = g * gb;
            float d = Float.float16ToFloat((short) ((data[o] & 0xFF) | (data[o + 1] << 8)));
            float m = Float.float16ToFloat((short) ((data[o + 2] & 0xFF) | (data[o + 3] << 8)));
            for (int k = 0; k < group / 2; k++) {
                int v = data[o + 4 + k] & 0xFF;
                w[g * group + 2 * k] = m + (v & 0x0F) * d;
                w[g * group + 2 * k + 1] = m + (v >>> 4) * d;
            }
        }
        return w;
    }

    @Override public String toString() { return id(); }
}
