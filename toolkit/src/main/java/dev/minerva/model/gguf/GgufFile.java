package dev.minerva.model.gguf;

import dev.minerva.model.MappedFile;
import dev.minerva.model.ModelFormatException;
import dev.minerva.tensor.DType;
import dev.minerva.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A memory-mapped GGUF file (versions 2 and 3): magic {@code GGUF}, version u32, tensor count u64,
 * metadata count u64, metadata key/values, tensor infos (name, n_dims, dims innermost-first, ggml
 * type, offset), then tensor data starting at the next multiple of {@code general.alignment}
 * (default 32). All counts, lengths, dims and extents are validated against the file size.
 * F32, F16, BF16, Q8_0 and Q4_0 tensors map directly; other ggml types are reported when asked for.
 */
public final class GgufFile {
    public static final int MAGIC = 0x46554747;  // "GGUF" little-endian
    public static final int DEFAULT_ALIGNMENT = 32;
    static final int MAX_DIMS = 4;

    /**
     * Where one tensor lives.
     *
     * @param dims     as stored: innermost (contiguous) first
     * @param ggmlType ggml type id
     * @param offset   absolute byte offset in the file
     * @param infoAt   byte offset of its tensor-info record (for messages)
     */
    public record TensorInfo(String name, long[] dims, int ggmlType, long offset, long byteSize, long infoAt) {
        /** Shape outermost-first, as {@link Tensor} wants it (dims reversed). */
        public long[] shape() {
            long[] s = new long[dims.length];
            for (int i = 0; i < dims.length; i++) s[i] = dims[dims.length - 1 - i];
            return s;
        }
    }

    private final Path file;
    private final MemorySegment map;
    private final int version;
    private final Map<String, GgufValue> metadata;
    private final Map<String, TensorInfo> tensors;
    private final int alignment;
    private final long dataStart;

    private GgufFile(Path file, MemorySegment map, int version, Map<String, GgufValue> metadata, Map<String, TensorInfo> tensors, int alignment, long dataStart) {
        this.file = file;
        this.map = map;
        this.version = version;
        this.metadata = metadata;
        this.tensors = tensors;
        this.alignment = alignment;
        this.dataStart = dataStart;
    }

    /**
     * Maps and parses {@code file}; tensors stay valid until {@code arena} closes.
     *
     * @throws ModelFormatException naming the file, field and byte offset if anything is malformed
     */
    public static GgufFile open(Path file, Arena arena) throws IOException {
        MemorySegment m = MappedFile.map(file, arena, "GGUF", 24);
        GgufCursor c = new GgufCursor(file, m);
        int magic = c.i32("magic");
        if (magic != MAGIC) throw c.error("magic", 0, String.format("is 0x%08X, not 'GGUF'", magic));
        int version = c.i32("version");
        if (version != 2 && version != 3) throw c.error("version", 4, "is " + version + "; Minerva reads GGUF v2 and v3");
        // a tensor info is at least 8 (name len) + 4 + 4 + 8 bytes; a key/value at least 8 + 4 + 1
        long nTensors = c.count("tensor_count", 24);
        long nKv = c.count("metadata_kv_count", 13);
        Map<String, GgufValue> meta = new LinkedHashMap<>();
        for (long i = 0; i < nKv; i++) {
            long at = c.pos;
            String key = c.string("metadata key " + i);
            if (meta.containsKey(key)) throw c.error("metadata key '" + key + "'", at, "appears twice");
            meta.put(key, readValue(c, "metadata '" + key + "'", 0));
        }
        int alignment = DEFAULT_ALIGNMENT;
        GgufValue al = meta.get("general.alignment");
        if (al != null) {
            if (!(al.value() instanceof Long a) || a <= 0 || a > 1 << 20 || Long.bitCount(a) != 1) {
                throw c.error("metadata 'general.alignment'", -1, "is " + al + ", not a power of two");
            }
            alignment = (int) (long) al.asLong();
        }
        Map<String, TensorInfo> infos = new LinkedHashMap<>();
        for (int i = 0; i < nTensors; i++) {
            long at = c.pos;
            String name = c.string("tensor " + i + " name");
            String f = "tensor '" + name + "'";
            if (infos.containsKey(name)) throw c.error(f, at, "appears twice");
            long nd = c.u32(f + " n_dims");
            if (nd < 1 || nd > MAX_DIMS) throw c.error(f + " n_dims", c.pos - 4, "is " + nd + " (1.." + MAX_DIMS + ")");
            long[] dims = new long[(int) nd];
            long numel = 1;
            for (int d = 0; d < nd; d++) {
                long dimAt = c.pos;
                dims[d] = c.i64(f + " dim " + d);
                if (dims[d] < 0) throw c.error(f + " dim " + d, dimAt, "is " + Long.toUnsignedString(dims[d]) + " (negative or huge)");
                try {
                    numel = Math.multiplyExact(numel, dims[d]);
                } catch (ArithmeticException e) {
                    throw c.error(f + " dims", dimAt, Arrays.toString(dims) + " overflow");
                }
            }
            int type = c.i32(f + " type");
            long offAt = c.pos;
            long off = c.i64(f + " offset");
            int[] g = GgmlTypes.geometry(type);
            long size = -1;
            if (g != null) {
                if (dims[0] % g[0] != 0) throw c.error(f + " dim 0", at, "row of " + dims[0] + " is not a multiple of the " + g[0] + "-element block of ggml type " + type);
                if (numel / g[0] > Long.MAX_VALUE / g[1]) throw c.error(f + " dims", at, "size overflows");
                size = numel / g[0] * g[1];
            }
            if (off < 0 || off % alignment != 0) throw c.error(f + " offset", offAt, "is " + Long.toUnsignedString(off) + ", not a multiple of the alignment " + alignment);
            infos.put(name, new TensorInfo(name, dims, type, off, size, at));
        }
        long dataStart = (c.pos + alignment - 1) / alignment * alignment;
        long dataSize = m.byteSize() - dataStart;
        if (nTensors > 0 && dataSize < 0) throw c.error("tensor data", c.pos, "file ends before the aligned data section at byte " + dataStart);
        Map<String, TensorInfo> abs = new LinkedHashMap<>();
        for (TensorInfo t : infos.values()) {
            long end = t.byteSize() < 0 ? t.offset() : t.offset() + t.byteSize();
            if (end < 0 || end > dataSize) {
                throw c.error("tensor '" + t.name() + "' offset", t.infoAt(), "data [" + (dataStart + t.offset()) + ", " + (dataStart + end)
                        + ") lies beyond the end of the file (" + m.byteSize() + " bytes)");
            }
            abs.put(t.name(), new TensorInfo(t.name(), t.dims(), t.ggmlType(), dataStart + t.offset(), t.byteSize(), t.infoAt()));
        }
        return new GgufFile(file, m, version, Collections.unmodifiableMap(meta), Collections.unmodifiableMap(abs), alignment, dataStart);
    }

    private static GgufValue readValue(GgufCursor c, String field, int depth) throws ModelFormatException {
        long at = c.pos;
        int id = c.i32(field + " type");
        GgufType t = GgufType.of(id);
        if (t == null) throw c.error(field + " type", at, "unknown value type " + id);
        return readTyped(c, field, t, depth);
    }

    private static GgufValue readTyped(GgufCursor c, String field, GgufType t, int depth) throws ModelFormatException {
        switch (t) {
            case UINT8: return new GgufValue(t, null, (long) c.u8(field));
            case INT8: return new GgufValue(t, null, (long) (byte) c.u8(field));
            case UINT16: return new GgufValue(t, null, (long) c.u16(field));
            case INT16: return new GgufValue(t, null, (long) (short) c.u16(field));
            case UINT32: return new GgufValue(t, null, c.u32(field));
            case INT32: return new GgufValue(t, null, (long) c.i32(field));
            case UINT64, INT64: return new GgufValue(t, null, c.i64(field));
            case FLOAT32: return new GgufValue(t, null, c.f32(field));
            case FLOAT64: return new GgufValue(t, null, c.f64(field));
            case BOOL: {
                long at = c.pos;
                int b = c.u8(field);
                if (b > 1) throw c.error(field, at, "bool byte is " + b);
                return new GgufValue(t, null, b == 1);
            }
            case STRING: return new GgufValue(t, null, c.string(field));
            default: break;
        }
        // ARRAY
        if (depth > 4) throw c.error(field, c.pos, "arrays nested deeper than 4");
        long at = c.pos;
        int eid = c.i32(field + " element type");
        GgufType et = GgufType.of(eid);
        if (et == null) throw c.error(field + " element type", at, "unknown value type " + eid);
        long minEach = et == GgufType.STRING ? 8 : et == GgufType.ARRAY ? 12 : et.size;
        long n = c.count(field + " count", minEach);
        if (n > Integer.MAX_VALUE - 8) throw c.error(field + " count", at + 4, "array of " + n + " elements is too long");
        int len = (int) n;
        Object arr;
        switch (et) {
            case FLOAT32 -> { float[] a = new float[len]; for (int i = 0; i < len; i++) a[i] = c.f32(field); arr = a; }
            case FLOAT64 -> { double[] a = new double[len]; for (int i = 0; i < len; i++) a[i] = c.f64(field); arr = a; }
            case BOOL -> { boolean[] a = new boolean[len]; for (int i = 0; i < len; i++) a[i] = c.u8(field) != 0; arr = a; }
            case STRING -> { String[] a = new String[len]; for (int i = 0; i < len; i++) a[i] = c.string(field + "[" + i + "]"); arr = a; }
            case ARRAY -> { GgufValue[] a = new GgufValue[len]; for (int i = 0; i < len; i++) a[i] = readTyped(c, field + "[" + i + "]", GgufType.ARRAY, depth + 1); arr = a; }
            default -> { long[] a = new long[len]; for (int i = 0; i < len; i++) a[i] = (Long) readTyped(c, field, et, depth).value(); arr = a; }
        }
        return new GgufValue(GgufType.ARRAY, et, arr);
    }

    public Path file() { return file; }
    public int version() { return version; }
    public int alignment() { return alignment; }
    /** Absolute byte offset where tensor data begins. */
    public long dataStart() { return dataStart; }
    public Map<String, GgufValue> metadata() { return metadata; }
    public Map<String, TensorInfo> tensorInfos() { return tensors; }
    public boolean has(String name) { return tensors.containsKey(name); }

    /**
     * The tensor {@code name} as a view of the mapping, shape outermost-first.
     *
     * @throws ModelFormatException "unsupported ggml type N for tensor X at offset Y" for types Minerva does not compute with
     */
    public Tensor tensor(String name) throws ModelFormatException {
        TensorInfo t = tensors.get(name);
        if (t == null) throw new IllegalArgumentException(file + ": no tensor '" + name + "'");
        DType d = DType.fromGgmlType(t.ggmlType());
        if (d == null || t.byteSize() < 0) {
            throw new ModelFormatException(file, "tensor '" + name + "' type", t.infoAt(), "unsupported ggml type " + t.ggmlType()
                    + " for tensor " + name + " at offset " + t.offset() + " (Minerva reads F32, F16, BF16, Q8_0, Q4_0)");
        }
        return Tensor.of(name, d, t.shape(), map.asSlice(t.offset(), t.byteSize()));
    }
}
