package dev.minerva.lab.calibration;

import dev.minerva.tensor.DType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Plain floating-point storage: F32 (4 bytes), F16 (IEEE half, round to nearest even) and BF16
 * (upper 16 bits of a float32, round to nearest even). Little-endian, one value per weight.
 */
public final class FloatCastFormat implements WeightFormat {
    private final DType type;

    /** @param type F32, F16 or BF16 */
    public FloatCastFormat(DType type) {
        if (type != DType.F32 && type != DType.F16 && type != DType.BF16) throw new IllegalArgumentException("not a float type: " + type);
        this.type = type;
    }

    @Override public String id() { return type.name().toLowerCase(java.util.Locale.ROOT); }
    @Override public DType engineType() { return type; }
    @Override public String incompatibility(long rows, long cols) { return null; }
    @Override public long byteSize(long rows, long cols) { return rows * cols * (type == DType.F32 ? 4 : 2); }

    /** float32 → bfloat16 bits, round to nearest even (NaN kept quiet). */
    static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x40);
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    static float fromBf16(short h) { return Float.intBitsToFloat((h & 0xFFFF) << 16); }

    @Override public byte[] encode(float[] w, int rows, int cols) {
        ByteBuffer b = ByteBuffer.allocate((int) byteSize(rows, cols)).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < rows * cols; i++) {
            switch (type) {
                case F32 -> b.putFloat(w[i]);
                case F16 -> b.putShort(Float.floatToFloat16(w[i]));
                default -> b.putShort(toBf16(w[i]));
            }
        }
        return b.array();
    }

    @Override public float[] decode(byte[] data, int rows, int cols) {
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) {
            w[i] = switch (type) {
                case F32 -> b.getFloat();
                case F16 -> Float.float16ToFloat(b.getShort());
                default -> fromBf16(b.getShort());
            };
        }
        return w;
    }

    @Override public String toString() { return id(); }
}
