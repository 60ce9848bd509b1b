package dev.minerva.model.gguf;

import java.util.Arrays;

/**
 * One GGUF metadata value with its type. Scalars: integers as {@link Long}, FLOAT32 as {@link Float},
 * FLOAT64 as {@link Double}, BOOL as {@link Boolean}, STRING as {@link String}. Arrays ({@code type}
 * = ARRAY) hold {@code elementType} and a Java array: {@code long[]} (integers), {@code float[]},
 * {@code double[]}, {@code boolean[]}, {@code String[]} or {@code GgufValue[]} (nested arrays).
 */
public record GgufValue(GgufType type, GgufType elementType, Object value) {

    public static GgufValue u32(long v) { return new GgufValue(GgufType.UINT32, null, v); }
    public static GgufValue i32(long v) { return new GgufValue(GgufType.INT32, null, v); }
    public static GgufValue f32(float v) { return new GgufValue(GgufType.FLOAT32, null, v); }
    public static GgufValue bool(boolean v) { return new GgufValue(GgufType.BOOL, null, v); }
    public static GgufValue string(String v) { return new GgufValue(GgufType.STRING, null, v); }
    public static GgufValue strings(String[] v) { return new GgufValue(GgufType.ARRAY, GgufType.STRING, v); }
    public static GgufValue floats(float[] v) { return new GgufValue(GgufType.ARRAY, GgufType.FLOAT32, v); }
    public static GgufValue ints(GgufType t, long[] v) { return new GgufValue(GgufType.ARRAY, t, v); }

    /** The integer value of an integer-typed scalar. */
    public long asLong() {
        if (value instanceof Long l) return l;
        throw new IllegalStateException("GGUF value of type " + type + " is not an integer");
    }

    /** A number of any numeric scalar type. */
    public double asDouble() {
        if (value instanceof Number n) return n.doubleValue();
        throw new IllegalStateException("GGUF value of type " + type + " is not a number");
    }

    /** Number of elements of an array value. */
    public int length() { return java.lang.reflect.Array.getLength(value); }

    @Override public String toString() {
        if (type != GgufType.ARRAY) return type + ":" + value;
        int n = length();
        return "ARRAY<" + elementType + ">[" + n + "]";
    }

    @Override public boolean equals(Object o) {
        return o instanceof GgufValue g && g.type == type && g.elementType == elementType && Arrays.deepEquals(new Object[]{value}, new Object[]{g.value});
    }

    @Override public int hashCode() { return Arrays.deepHashCode(new Object[]{type, elementType, value}); }
}
