package dev.minerva.model.gguf;

import dev.minerva.model.ModelFormatException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A bounds-checked little-endian reader over a mapped GGUF file: every read and every length is
 * checked against the bytes left before anything is read or allocated, so a corrupt file gives a
 * {@link ModelFormatException} with the field and offset, never an out-of-bounds or out-of-memory error.
 */
final class GgufCursor {
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    /** Longest string accepted (a chat template or merges entry is far shorter). */
    static final long MAX_STRING = 64L << 20;

    final Path file;
    final MemorySegment m;
    long pos;

    GgufCursor(Path file, MemorySegment m) { this.file = file; this.m = m; }

    long remaining() { return m.byteSize() - pos; }

    ModelFormatException error(String field, long at, String problem) { return new ModelFormatException(file, field, at, problem); }

    private void need(long n, String field) throws ModelFormatException {
        if (n < 0 || n > remaining()) throw error(field, pos, "needs " + n + " bytes but only " + remaining() + " remain (file truncated?)");
    }

    int u8(String f) throws ModelFormatException { need(1, f); return m.get(ValueLayout.JAVA_BYTE, pos++) & 0xFF; }
    int u16(String f) throws ModelFormatException { need(2, f); int v = m.get(I16, pos) & 0xFFFF; pos += 2; return v; }
    int i32(String f) throws ModelFormatException { need(4, f); int v = m.get(I32, pos); pos += 4; return v; }
    long u32(String f) throws ModelFormatException { return i32(f) & 0xFFFFFFFFL; }
    long i64(String f) throws ModelFormatException { need(8, f); long v = m.get(I64, pos); pos += 8; return v; }
    float f32(String f) throws ModelFormatException { need(4, f); float v = m.get(F32, pos); pos += 4; return v; }
    double f64(String f) throws ModelFormatException { need(8, f); double v = m.get(F64, pos); pos += 8; return v; }

    /** A count (u64) that must be ≤ {@code maxByBytes} (what the remaining bytes could hold). */
    long count(String f, long minBytesEach) throws ModelFormatException {
        long at = pos;
        long n = i64(f);
        if (n < 0 || (minBytesEach > 0 && n > remaining() / minBytesEach)) {
            throw error(f, at, "count " + Long.toUnsignedString(n) + " cannot fit in the " + remaining() + " bytes left");
        }
        return n;
    }

    String string(String f) throws ModelFormatException {
        long at = pos;
        long len = i64(f + " length");
        if (len < 0 || len > remaining() || len > MAX_STRING) {
            throw error(f + " length", at, "string length " + Long.toUnsignedString(len) + " exceeds the " + remaining() + " bytes left");
        }
        byte[] b = m.asSlice(pos, len).toArray(ValueLayout.JAVA_BYTE);
        pos += len;
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            // llama.cpp vocabularies may hold partial UTF-8 pieces; keep them lossily rather than fail
            return new String(b, StandardCharsets.UTF_8);
        }
    }
}
