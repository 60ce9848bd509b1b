package dev.minerva.lab.calibration;

import dev.minerva.tensor.DType;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The registry of {@link WeightFormat}s by id: f32, f16, bf16, q8_0, q4_0, int8_pc, i4_g32, i4_g64, i4_g128. */
public final class WeightFormats {
    private WeightFormats() {}

    private static final Map<String, WeightFormat> BY_ID = new LinkedHashMap<>();

    static {
        for (WeightFormat f : List.of(new FloatCastFormat(DType.F32), new FloatCastFormat(DType.F16), new FloatCastFormat(DType.BF16),
                new GgmlQ8_0Format(), new Int8PerChannelFormat(), new Int4GroupFormat(32), new GgmlQ4_0Format(),
                new Int4GroupFormat(64), new Int4GroupFormat(128))) {
            BY_ID.put(f.id(), f);
        }
    }

    /** All known ids. */
    public static List<String> ids() { return new ArrayList<>(BY_ID.keySet()); }

    /** @return the format, or {@code null} if the id is unknown */
    public static WeightFormat find(String id) { return id == null ? null : BY_ID.get(id.toLowerCase(Locale.ROOT)); }

    /** @throws IllegalArgumentException naming the known ids */
    public static WeightFormat get(String id) {
        WeightFormat f = find(id);
        if (f == null) throw new IllegalArgumentException("unknown weight format '" + id + "'; known: " + String.join(", ", BY_ID.keySet()));
        return f;
    }

    /** Parses a comma-separated list such as {@code f16,q8_0,q4_0}. */
    public static List<WeightFormat> parseList(String csv) {
        List<WeightFormat> out = new ArrayList<>();
        for (String s : csv.split(",")) if (!s.isBlank()) out.add(get(s.trim()));
        if (out.isEmpty()) throw new IllegalArgumentException("empty format list '" + csv + "'");
        return out;
    }
}
