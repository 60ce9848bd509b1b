package dev.minerva.tensor;

/** bfloat16 (the upper 16 bits of a float32) ⇄ float32, round-to-nearest-even, NaN kept quiet. */
public final class BFloat16 {
    private BFloat16() {}

    /** float32 → bfloat16 bits, rounding to nearest even (what PyTorch's {@code .to(torch.bfloat16)} does). */
    public static short fromFloat(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x40);   // keep sign/payload top, force quiet
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    /** bfloat16 bits → float32 (exact). */
    public static float toFloat(short b) { return Float.intBitsToFloat((b & 0xFFFF) << 16); }
}
