package dev.minerva.model;

import dev.minerva.backend.CpuBackend;
import dev.minerva.model.gguf.GgufFile;
import dev.minerva.model.llama2c.Llama2cCheckpoint;
import dev.minerva.model.safetensors.SafetensorsFile;
import dev.minerva.tensor.DType;
import dev.minerva.tensor.Q8_0Codec;
import dev.minerva.tensor.Tensor;
import dev.minerva.tensor.TensorCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Model files over 2 GB: every offset past 2^31 is computed in 64 bits, from the loaders' plans to the
 * kernels' row addresses. The files are sparse (a few written rows, the rest holes that read as zeros),
 * so they cost no disk; the matmuls still stream the whole 2.1 GB tensor, as a forward pass would.
 */
class LargeFileTest {
    @TempDir Path dir;

    static final int D = 1024;
    /** Rows of a D-wide F32 matrix just over 2 GiB. */
    static final int F32_ROWS = (int) ((1L << 31) / (4L * D)) + 256;

    /**
     * A llama2.c checkpoint whose token embedding (shared classifier) alone is 2.1 GB: the layer weights
     * after it start past byte 2^31. Known values in the embedding's first and last rows, wq's first row
     * and rms_final must come back from exactly those offsets, and the backend must gather and multiply
     * the far rows.
     */
    @Test void llama2cCheckpointPastTwoGigabytes() throws Exception {
        int hidden = 64, heads = 16, seqLen = 8, vocab = F32_ROWS;
        Path p = dir.resolve("big.bin");
        long embBytes = 4L * vocab * D;
        long wq = 28 + embBytes + 4L * D;                 // after tok_embeddings and rms_att
        long perLayer = 4L * (2L * D + 4L * D * D + 3L * D * hidden);
        long rmsFinal = 28 + embBytes + perLayer;
        long end = rmsFinal + 4L * D + 4L * seqLen * (D / heads);   // rms_final, then freq_cis real + imag
        assertTrue(wq > Integer.MAX_VALUE, "wq must start past 2^31");
        float[] first = ramp(D, 0.25f), last = ramp(D, -0.5f), wqRow = ramp(D, 1.5f), rms = ramp(D, 2f);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer h = ByteBuffer.allocate(28).order(ByteOrder.LITTLE_ENDIAN);
            for (int v : new int[]{D, hidden, 1, heads, heads, vocab, seqLen}) h.putInt(v);
            write(ch, h.flip(), 0);
            write(ch, floats(first), 28);
            write(ch, floats(last), 28 + 4L * (vocab - 1) * D);
            write(ch, floats(wqRow), wq);
            write(ch, floats(rms), rmsFinal);
        }
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) { f.setLength(end); }

        Weights w = Llama2cCheckpoint.load(p);
        Tensor emb = w.get("tok_embeddings");
        assertTrue(emb.byteSize() > Integer.MAX_VALUE, "the embedding is one tensor over 2^31 bytes");
        assertArrayEquals(wqRow, row(w.layer(0, "wq"), 0));
        assertArrayEquals(rms, row(w.get("rms_final"), 0));
        assertEquals(last[D - 1], emb.getF32((long) vocab * D - 1));
        try (CpuBackend cpu = new CpuBackend(2)) {
            farRowsThroughBackend(cpu, cpu.load(emb), first, last, DType.F32);
        }
    }

    /** A GGUF whose one Q8_0 tensor is 2.1 GB: its last row is read, gathered and multiplied from past 2^31. */
    @Test void ggufQ8TensorPastTwoGigabytes() throws Exception {
        long rowBytes = DType.Q8_0.byteSize(D);
        int rows = (int) ((1L << 31) / rowBytes) + 256;
        Path p = dir.resolve("big.gguf");
        float[] first = ramp(D, 0.25f), last = ramp(D, -0.5f);
        long dataStart;
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            byte[] name = "big".getBytes(StandardCharsets.UTF_8);
            ByteBuffer h = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
            h.putInt(GgufFile.MAGIC).putInt(3).putLong(1).putLong(0);                      // one tensor, no metadata
            h.putLong(name.length).put(name).putInt(2).putLong(D).putLong(rows).putInt(8).putLong(0);  // dims innermost first; type 8 = Q8_0
            dataStart = (h.position() + GgufFile.DEFAULT_ALIGNMENT - 1) / GgufFile.DEFAULT_ALIGNMENT * GgufFile.DEFAULT_ALIGNMENT;
            write(ch, h.flip(), 0);
            write(ch, q8Row(first), dataStart);
            write(ch, q8Row(last), dataStart + (rows - 1) * rowBytes);
        }
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) { f.setLength(dataStart + rows * rowBytes); }

        try (Arena arena = Arena.ofShared(); CpuBackend cpu = new CpuBackend(2)) {
            Tensor big = GgufFile.open(p, arena).tensor("big");
            assertEquals(DType.Q8_0, big.dtype());
            assertTrue(big.byteSize() > Integer.MAX_VALUE, "one tensor over 2^31 bytes");
            farRowsThroughBackend(cpu, cpu.load(big), dequantised(first), dequantised(last), DType.Q8_0);
        }
    }

    /** A safetensors file whose one BF16 tensor is 2.1 GB (data offsets past 2^31 in its JSON header). */
    @Test void safetensorsTensorPastTwoGigabytes() throws Exception {
        int rows = (int) ((1L << 31) / (2L * D)) + 256;
        long bytes = 2L * rows * D;
        Path p = dir.resolve("big.safetensors");
        String json = "{\"big\":{\"dtype\":\"BF16\",\"shape\":[" + rows + "," + D + "],\"data_offsets\":[0," + bytes + "]}}";
        byte[] head = json.getBytes(StandardCharsets.UTF_8);
        float[] first = ramp(D, 0.25f), last = ramp(D, -0.5f);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            write(ch, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(head.length).flip(), 0);
            write(ch, ByteBuffer.wrap(head), 8);
            write(ch, bf16(first), 8 + head.length);
            write(ch, bf16(last), 8 + head.length + bytes - 2L * D);
        }
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) { f.setLength(8 + head.length + bytes); }

        try (Arena arena = Arena.ofShared(); CpuBackend cpu = new CpuBackend(2)) {
            Tensor big = SafetensorsFile.open(p, arena).tensor("big");
            assertEquals(DType.BF16, big.dtype());
            assertTrue(big.byteSize() > Integer.MAX_VALUE, "one tensor over 2^31 bytes");
            farRowsThroughBackend(cpu, cpu.load(big), bf16Rounded(first), bf16Rounded(last), DType.BF16);
        }
    }

    /**
     * Gathers the first and last rows of {@code table} and multiplies a vector by all of it. Rows between
     * are zero, so the product is the two rows' dot products at both ends and zeros elsewhere. For Q8_0 the
     * reference dots the stored values with the activation as the kernels see it (Q8_0-quantised), in float64.
     */
    private static void farRowsThroughBackend(CpuBackend cpu, Tensor table, float[] first, float[] last, DType dtype) {
        int rows = (int) table.rows();
        Tensor gathered = cpu.allocate("rows", 2, D);
        cpu.embedding(gathered, table, new int[]{0, rows - 1});
        float[] g = cpu.read(gathered);
        assertArrayEquals(first, java.util.Arrays.copyOfRange(g, 0, D), "row 0");
        assertArrayEquals(last, java.util.Arrays.copyOfRange(g, D, 2 * D), "row " + (rows - 1));

        float[] x = ramp(D, 0.75f);
        Tensor in = cpu.allocate("x", 1, D), out = cpu.allocate("out", 1, rows);
        cpu.write(in, x);
        cpu.matmul(out, in, table);
        float[] o = cpu.read(out);
        float[] xs = dtype == DType.Q8_0 ? dequantised(x) : x;
        assertEquals(dot(first, xs), o[0], 1e-5 * absDot(first, xs), "out[0]");
        assertEquals(dot(last, xs), o[rows - 1], 1e-5 * absDot(last, xs), "out[" + (rows - 1) + "]");
        for (int r : new int[]{1, rows / 2, rows - 2}) assertEquals(0f, o[r], "out[" + r + "] of a zero row");
    }

    /** Distinct, sign-changing values of magnitude about {@code scale}. */
    static float[] ramp(int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = scale * (float) Math.sin(0.37 * i + scale);
        return v;
    }

    static float[] dequantised(float[] v) {
        byte[] q = new byte[v.length];
        float[] s = new float[v.length / 32], out = new float[v.length];
        Q8_0Codec.quantize(v, 0, v.length, q, s);
        Q8_0Codec.dequantize(q, s, 0, v.length, out);
        return out;
    }

    static ByteBuffer q8Row(float[] v) {
        try (Arena a = Arena.ofConfined()) {
            Tensor t = Tensor.allocate(a, "row", DType.Q8_0, 1, v.length);
            TensorCodec.encode(v, 0, v.length, t, 0);
            return ByteBuffer.wrap(t.data().toArray(ValueLayout.JAVA_BYTE));
        }
    }

    /** BF16 by truncation: the stored values are then exactly {@link #bf16Rounded}. */
    static ByteBuffer bf16(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) b.putShort((short) (Float.floatToRawIntBits(f) >>> 16));
        return b.flip();
    }

    static float[] bf16Rounded(float[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) out[i] = Float.intBitsToFloat(Float.floatToRawIntBits(v[i]) & 0xFFFF0000);
        return out;
    }

    static ByteBuffer floats(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) b.putFloat(f);
        return b.flip();
    }

    static float[] row(Tensor t, long r) {
        float[] out = new float[(int) t.cols()];
        TensorCodec.decode(t, r * t.cols(), out.length, out, 0);
        return out;
    }

    static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
        return s;
    }

    /** The scale of a dot product's rounding error: the sum of its terms' magnitudes. */
    static double absDot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += Math.abs((double) a[i] * b[i]);
        return s;
    }

    static void write(FileChannel ch, ByteBuffer b, long at) throws IOException {
        while (b.hasRemaining()) at += ch.write(b, at);
    }
}
