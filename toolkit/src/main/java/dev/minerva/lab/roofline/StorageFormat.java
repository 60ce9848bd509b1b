package dev.minerva.lab.roofline;

import dev.minerva.tensor.DType;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * How many bits one stored element costs, scales included: the only property of a number format the
 * roofline needs. Known names map to {@link DType#bitsPerWeight()} where Minerva has the type
 * (q8_0 = 8.5, q4_0 = 4.5); {@code int8}/{@code int4}/{@code fp8} are the ideal scale-free costs;
 * a plain number (e.g. {@code 4.8}) is taken as bits per element.
 *
 * @param name short name as printed
 * @param bits storage bits per element
 */
public record StorageFormat(String name, double bits) {

    public StorageFormat {
        if (!(bits > 0 && bits <= 64)) throw new IllegalArgumentException("bits per element must be in (0, 64], got " + bits);
    }

    private static final Map<String, StorageFormat> KNOWN = new LinkedHashMap<>();

    static {
        for (DType t : DType.values()) put(t.name().toLowerCase(Locale.ROOT), t.bitsPerWeight());
        put("fp8", 8);
        put("int8", 8);
        put("int4", 4);
    }

    private static void put(String n, double bits) { KNOWN.put(n, new StorageFormat(n, bits)); }

    public static final StorageFormat F32 = KNOWN.get("f32");
    public static final StorageFormat F16 = KNOWN.get("f16");

    /** Bytes per element ({@code bits / 8}). */
    public double bytes() { return bits / 8.0; }

    public static StorageFormat of(DType t) { return KNOWN.get(t.name().toLowerCase(Locale.ROOT)); }

    /**
     * @throws IllegalArgumentException listing the known names when {@code s} is neither a known name nor a number
     */
    public static StorageFormat parse(String s) {
        StorageFormat f = KNOWN.get(s.toLowerCase(Locale.ROOT));
        if (f != null) return f;
        try {
            double bits = Double.parseDouble(s);
            return new StorageFormat(s + "bit", bits);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("unknown precision '" + s + "'; known: " + String.join(", ", KNOWN.keySet())
                    + ", or a number of bits per element");
        }
    }

    @Override public String toString() { return name; }
}
