package dev.minerva.model.safetensors;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.minerva.model.MappedFile;
import dev.minerva.model.ModelFormatException;
import dev.minerva.tensor.DType;
import dev.minerva.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One memory-mapped {@code .safetensors} file: an 8-byte little-endian header length N, N bytes of
 * JSON ({@code {"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}}),
 * then the tensor bytes, offsets relative to byte {@code 8 + N}. Every length and extent is checked
 * against the file size before use. F32, F16 and BF16 tensors map directly; Minerva's quantised
 * tensors are stored as U8 {@code [rows, rowBytes]} with {@code __metadata__["minerva.dtype:NAME"] =
 * "Q8_0" | "Q4_0"} and come back with their logical shape.
 */
public final class SafetensorsFile {
    /** The safetensors format caps the header at 100 MB; so do we, before allocating it. */
    static final long MAX_HEADER = 100L << 20;
    /** Metadata key prefix marking a U8 tensor as ggml-quantised blocks. */
    public static final String QUANT_KEY = "minerva.dtype:";

    /** Where one tensor lives: absolute byte range in the file. */
    record Entry(String name, String dtype, long[] shape, long begin, long end) {}

    private final Path file;
    private final MemorySegment map;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path file, MemorySegment map, Map<String, Entry> entries, Map<String, String> metadata) {
        this.file = file;
        this.map = map;
        this.entries = entries;
        this.metadata = metadata;
    }

    /**
     * Maps and validates {@code file}; tensors stay valid until {@code arena} closes.
     *
     * @throws ModelFormatException naming the file, field and byte offset if anything is malformed
     */
    public static SafetensorsFile open(Path file, Arena arena) throws IOException {
        MemorySegment map = MappedFile.map(file, arena, "safetensors", 8);
        long size = map.byteSize();
        long n = map.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), 0);
        if (n < 2 || n > size - 8 || n > MAX_HEADER) {
            throw new ModelFormatException(file, "header length", 0, "is " + Long.toUnsignedString(n)
                    + " but the file has " + (size - 8) + " bytes after it (and the format allows at most " + MAX_HEADER + ")");
        }
        byte[] json = map.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE);
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json);
        } catch (JacksonException e) {
            throw new ModelFormatException(file, "header JSON", 8 + Math.max(0, e.getLocation() == null ? 0 : e.getLocation().getByteOffset()),
                    "malformed: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) throw new ModelFormatException(file, "header JSON", 8, "is not a JSON object");
        long dataStart = 8 + n;
        long dataSize = size - dataStart;
        Map<String, String> meta = new LinkedHashMap<>();
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            String name = f.getKey();
            JsonNode v = f.getValue();
            if (name.equals("__metadata__")) {
                if (!v.isObject()) throw new ModelFormatException(file, "__metadata__", 8, "is not an object of strings");
                v.fields().forEachRemaining(m -> meta.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            entries.put(name, parseEntry(file, name, v, dataStart, dataSize));
        }
        return new SafetensorsFile(file, map, Collections.unmodifiableMap(entries), Collections.unmodifiableMap(meta));
    }

    private static Entry parseEntry(Path file, String name, JsonNode v, long dataStart, long dataSize) throws ModelFormatException {
        String field = "tensor '" + name + "'";
        if (!v.isObject()) throw new ModelFormatException(file, field, 8, "is not an object");
        JsonNode dt = v.get("dtype"), sh = v.get("shape"), off = v.get("data_offsets");
        if (dt == null || !dt.isTextual()) throw new ModelFormatException(file, field + " dtype", 8, "missing or not a string");
        if (sh == null || !sh.isArray()) throw new ModelFormatException(file, field + " shape", 8, "missing or not an array");
        if (off == null || !off.isArray() || off.size() != 2 || !off.get(0).canConvertToLong() || !off.get(1).canConvertToLong()) {
            throw new ModelFormatException(file, field + " data_offsets", 8, "must be [begin, end] integers");
        }
        long[] shape = new long[sh.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = sh.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
                throw new ModelFormatException(file, field + " shape", 8, "dimension " + i + " = " + d + " is not a non-negative integer");
            }
            shape[i] = d.asLong();
            try {
                numel = Math.multiplyExact(numel, shape[i]);
            } catch (ArithmeticException e) {
                throw new ModelFormatException(file, field + " shape", 8, Arrays.toString(shape) + " overflows");
            }
        }
        long b = off.get(0).asLong(), e = off.get(1).asLong();
        if (b < 0 || e < b || e > dataSize) {
            throw new ModelFormatException(file, field + " data_offsets", dataStart + Math.max(0, b),
                    "[" + b + ", " + e + "] lies outside the " + dataSize + " data bytes");
        }
        int width = elementBytes(dt.asText());
        if (width > 0 && (numel > Long.MAX_VALUE / width || numel * width != e - b)) {
            throw new ModelFormatException(file, field + " data_offsets", dataStart + b, "holds " + (e - b) + " bytes but "
                    + dt.asText() + Arrays.toString(shape) + " needs " + (numel > Long.MAX_VALUE / width ? "more" : numel * width));
        }
        return new Entry(name, dt.asText(), shape, dataStart + b, dataStart + e);
    }

    /** Bytes per element of a safetensors dtype name, or 0 if unknown. */
    static int elementBytes(String dtype) {
        return switch (dtype) {
            case "F64", "I64", "U64" -> 8;
            case "F32", "I32", "U32" -> 4;
            case "F16", "BF16", "I16", "U16" -> 2;
            case "U8", "I8", "BOOL", "F8_E4M3", "F8_E5M2" -> 1;
            default -> 0;
        };
    }

    public Path file() { return file; }

    /** Tensor names in header order. */
    public Set<String> names() { return entries.keySet(); }

    public boolean has(String name) { return entries.containsKey(name); }

    /** The {@code __metadata__} strings. */
    public Map<String, String> metadata() { return metadata; }

    /** The safetensors dtype string of {@code name} as stored ("F32", "BF16", "U8", …). */
    public String storedDtype(String name) { return entry(name).dtype(); }

    /** The stored shape of {@code name} (for quantised tensors, the logical shape). */
    public long[] shape(String name) throws ModelFormatException { return tensor(name).shape(); }

    private Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) throw new IllegalArgumentException(file + ": no tensor '" + name + "'");
        return e;
    }

    /**
     * The tensor {@code name} as a view of the mapped file (no copy).
     *
     * @throws ModelFormatException if its dtype is not one Minerva computes with
     */
    public Tensor tensor(String name) throws ModelFormatException {
        Entry e = entry(name);
        MemorySegment data = map.asSlice(e.begin(), e.end() - e.begin());
        String quant = metadata.get(QUANT_KEY + name);
        String field = "tensor '" + name + "' dtype";
        if (quant != null) {
            DType q;
            try {
                q = DType.valueOf(quant);
            } catch (IllegalArgumentException ex) {
                throw new ModelFormatException(file, "__metadata__ " + QUANT_KEY + name, 8, "unknown quantised type '" + quant + "'");
            }
            if (!e.dtype().equals("U8") || e.shape().length < 1 || !q.isQuantized()) {
                throw new ModelFormatException(file, field, e.begin(), "quantised " + quant + " must be stored as U8 [rows, rowBytes], found "
                        + e.dtype() + Arrays.toString(e.shape()));
            }
            long[] s = e.shape().clone();
            long rowBytes = s[s.length - 1];
            if (rowBytes % q.blockBytes() != 0) {
                throw new ModelFormatException(file, field, e.begin(), quant + " rows of " + rowBytes + " bytes are not whole blocks of " + q.blockBytes());
            }
            s[s.length - 1] = rowBytes / q.blockBytes() * q.blockSize();
            return Tensor.of(name, q, s, data);
        }
        DType t = switch (e.dtype()) {
            case "F32" -> DType.F32;
            case "F16" -> DType.F16;
            case "BF16" -> DType.BF16;
            default -> throw new ModelFormatException(file, field, e.begin(), "unsupported safetensors dtype '" + e.dtype()
                    + "' (Minerva reads F32, F16, BF16, and U8 marked " + QUANT_KEY + ")");
        };
        return Tensor.of(name, t, e.shape(), data);
    }
}
