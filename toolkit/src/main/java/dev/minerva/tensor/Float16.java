package dev.minerva.tensor;

/**
 * IEEE binary16 ⇄ float32, round-to-nearest-even (the conversions of {@link Float#floatToFloat16}
 * and {@link Float#float16ToFloat}, named here so every codec reads the same way).
 */
public final class Float16 {
    private Float16() {}

    /** float32 → binary16 bits (round to nearest even; overflow → ±Inf). */
    public static short fromFloat(float f) { return Float.floatToFloat16(f); }

    /** binary16 bits → float32 (exact). */
    public static float toFloat(short h) { return Float.float16ToFloat(h); }
}
