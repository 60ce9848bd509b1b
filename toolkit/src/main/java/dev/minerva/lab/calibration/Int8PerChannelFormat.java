package dev.minerva.lab.calibration;

import dev.minerva.tensor.DType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * INT8 per output channel, symmetric: row {@code i} of {@code W[rows][cols]} stores one f32 scale
 * {@code s_i = max_j |w_ij| / 127} followed by {@code cols} int8 {@code q_ij = clamp(round(w_ij / s_i), -127, 127)};
 * read back as {@code q_ij * s_i}. Layout per row: [f32 scale, little-endian][cols x int8].
 * Exact cost: {@code rows * (cols + 4)} bytes, i.e. {@code 8 + 32/cols} bits per weight.
 * The engine has no kernel for it: it is evaluated fake-quantised.
 */
public final class Int8PerChannelFormat implements WeightFormat {

    @Override public String id() { return "int8_pc"; }
    @Override public DType engineType() { return null; }
    @Override public String incompatibility(long rows, long cols) { return null; }
    @Override public long byteSize(long rows, long cols) { return rows * (cols + 4); }

    @Override public byte[] encode(float[] w, int rows, int cols) {
        ByteBuffer b = ByteBuffer.allocate((int) byteSize(rows, cols)).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < rows; i++) {
            float amax = 0;
            for (int j = 0; j < cols; j++) amax = Math.max(amax, Math.abs(w[i * cols + j]));
            float s = amax / 127f;
            float inv = s != 0 ? 1f / s : 0f;
            b.putFloat(s);
            for (int j = 0; j < cols; j++) {
                int q = Math.round(w[i * cols + j] * inv);
                b.put((byte) Math.max(-127, Math.min(127, q)));
            }
        }
        return b.array();
    }

    @Override public float[] decode(byte[] data, int rows, int cols) {
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        float[] w = new float[rows * cols];
        for (int i = 0; i < rows; i++) {
            float s = b.getFloat();
            for (int j = 0; j < cols; j++) w[i * cols + j] = b.get() * s;
        }
        return w;
    }

    @Override public String toString() { return id(); }
}
