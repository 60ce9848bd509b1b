package dev.minerva.model.gguf;

import dev.minerva.model.AtomicFile;
import dev.minerva.model.OutputTensor;
import dev.minerva.model.TensorStreamWriter;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * Writes a GGUF v3 file atomically: header, metadata, tensor infos (dims innermost-first, offsets
 * aligned to {@code general.alignment}), then the tensors streamed row by row.
 */
public final class GgufWriter {
    private GgufWriter() {}

    /**
     * @param metadata key → value, written in iteration order ({@code general.alignment} is honoured if present)
     * @param tensors  GGUF-named tensors, shapes outermost-first
     */
    public static void write(Path file, Map<String, GgufValue> metadata, List<OutputTensor> tensors, LongConsumer progress) throws IOException {
        int alignment = metadata.containsKey("general.alignment") ? (int) metadata.get("general.alignment").asLong() : GgufFile.DEFAULT_ALIGNMENT;
        Out h = new Out();
        h.i32(GgufFile.MAGIC).i32(3).i64(tensors.size()).i64(metadata.size());
        for (var e : metadata.entrySet()) {
            h.str(e.getKey());
            h.i32(e.getValue().type().id());
            value(h, e.getValue());
        }
        long[] offsets = new long[tensors.size()];
        long off = 0;
        for (int i = 0; i < tensors.size(); i++) {
            OutputTensor t = tensors.get(i);
            long[] s = t.shape();
            h.str(t.name()).i32(s.length);
            for (int d = s.length - 1; d >= 0; d--) h.i64(s[d]);  // innermost first
            h.i32(t.dtype().ggmlType()).i64(off);
            offsets[i] = off;
            off = align(off + t.byteSize(), alignment);
        }
        int headPad = (int) (align(h.size(), alignment) - h.size());
        for (int i = 0; i < headPad; i++) h.write(0);
        byte[] head = h.toByteArray();
        AtomicFile.write(file, tmp -> {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer hb = ByteBuffer.wrap(head);
                while (hb.hasRemaining()) ch.write(hb);
                TensorStreamWriter w = new TensorStreamWriter(ch, progress);
                for (int i = 0; i < tensors.size(); i++) {
                    OutputTensor t = tensors.get(i);
                    w.write(t);
                    if (i + 1 < tensors.size()) w.pad((int) (offsets[i + 1] - offsets[i] - t.byteSize()));
                }
                ch.force(false);
            }
        });
    }

    static long align(long x, int a) { return (x + a - 1) / a * a; }

    private static void value(Out h, GgufValue v) {
        switch (v.type()) {
            case ARRAY -> {
                h.i32(v.elementType().id()).i64(v.length());
                Object a = v.value();
                for (int i = 0; i < v.length(); i++) {
                    switch (v.elementType()) {
                        case FLOAT32 -> h.f32(((float[]) a)[i]);
                        case FLOAT64 -> h.i64(Double.doubleToRawLongBits(((double[]) a)[i]));
                        case BOOL -> h.write(((boolean[]) a)[i] ? 1 : 0);
                        case STRING -> h.str(((String[]) a)[i]);
                        case ARRAY -> { GgufValue n = ((GgufValue[]) a)[i]; value(h, n); }
                        default -> scalar(h, v.elementType(), ((long[]) a)[i]);
                    }
                }
            }
            case FLOAT32 -> h.f32((Float) v.value());
            case FLOAT64 -> h.i64(Double.doubleToRawLongBits((Double) v.value()));
            case BOOL -> h.write((Boolean) v.value() ? 1 : 0);
            case STRING -> h.str((String) v.value());
            default -> scalar(h, v.type(), v.asLong());
        }
    }

    private static void scalar(Out h, GgufType t, long x) {
        switch (t.size) {
            case 1 -> h.write((int) x);
            case 2 -> { h.write((int) x); h.write((int) (x >>> 8)); }
            case 4 -> h.i32((int) x);
            default -> h.i64(x);
        }
    }

    /** Little-endian byte sink for the header. */
    private static final class Out extends ByteArrayOutputStream {
        private final ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

        Out i32(int v) { b.clear(); b.putInt(v); write(b.array(), 0, 4); return this; }
        Out i64(long v) { b.clear(); b.putLong(v); write(b.array(), 0, 8); return this; }
        Out f32(float v) { return i32(Float.floatToRawIntBits(v)); }
        Out str(String s) { byte[] u = s.getBytes(StandardCharsets.UTF_8); i64(u.length); write(u, 0, u.length); return this; }
    }
}
