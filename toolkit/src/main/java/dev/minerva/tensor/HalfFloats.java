package dev.minerva.tensor;

/**
 * Scalar conversions between float32 and the two 16-bit float formats (IEEE half, bfloat16).
 * Round-to-nearest-even in both directions that lose precision.
 */
public final class HalfFloats {
    private HalfFloats() {}

    /** IEEE binary16 bits → float. */
    public static float f16ToFloat(short bits) { return Float.float16ToFloat(bits); }

    /** float → IEEE binary16 bits (round to nearest even, overflow to infinity). */
    public static short floatToF16(float v) { return Float.floatToFloat16(v); }

    /** bfloat16 bits → float (exact: bfloat16 is the upper half of a float32). */
    public static float bf16ToFloat(short bits) { return Float.intBitsToFloat((bits & 0xFFFF) << 16); }

    /** float → bfloat16 bits, round to nearest even; NaN stays a (quiet) NaN. */
    public static short floatToBf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        if (Float.isNaN(v)) return (short) ((bits >>> 16) | 0x40);
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }
}
