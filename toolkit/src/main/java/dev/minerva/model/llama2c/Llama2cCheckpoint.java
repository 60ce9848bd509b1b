package dev.minerva.model.llama2c;

import dev.minerva.model.ModelConfig;
import dev.minerva.model.Weights;
import dev.minerva.tensor.DType;
import dev.minerva.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reader of llama2.c "legacy" checkpoints ({@code run.c} format): a header of 7 little-endian int32
 * {@code dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len} (a negative vocab size
 * means an untied classifier), then float32 tensors in the order
 * {@code tok_embeddings, rms_att[L], wq[L], wk[L], wv[L], wo[L], rms_ffn[L], w1[L], w2[L], w3[L],
 * rms_final, freq_cis_real, freq_cis_imag (unused), wcls (untied only)}.
 * Weights are memory-mapped, never copied. Every size is checked against the file length before mapping.
 */
public final class Llama2cCheckpoint {
    private Llama2cCheckpoint() {}

    /** Largest header dimension accepted (guards products against overflow and absurd headers). */
    static final int MAX_DIM = 1 << 24;
    static final int HEADER_BYTES = 28;
    private static final String[] FIELDS = {"dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"};

    /**
     * Maps {@code file} and returns its weights.
     *
     * @throws IllegalArgumentException naming the file, field and byte offset if the file is malformed
     * @throws IOException if it cannot be read
     */
    public static Weights load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException(file + ": not a regular file (expected a llama2.c checkpoint .bin)");
        long size = Files.size(file);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (size < HEADER_BYTES) {
                throw new IllegalArgumentException(file + ": " + size + " bytes is shorter than the 28-byte llama2.c header");
            }
            ByteBuffer hb = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            while (hb.hasRemaining()) if (ch.read(hb, hb.position()) < 0) break;
            hb.flip();
            int[] h = new int[7];
            for (int i = 0; i < 7; i++) h[i] = hb.getInt(i * 4);
            if (h[0] == 0x616b3432) {
                throw new IllegalArgumentException(file + ": llama2.c version-1/2 checkpoint (magic 'ak42' at byte 0) is not supported; export the legacy format");
            }
            for (int i = 0; i < 7; i++) {
                int v = i == 5 ? Math.abs(h[i]) : h[i];
                if (h[i] == Integer.MIN_VALUE || v <= 0 || v > MAX_DIM) {
                    throw new IllegalArgumentException(file + ": header field " + FIELDS[i] + " = " + h[i] + " at byte offset " + (i * 4)
                            + " is out of range (1.." + MAX_DIM + ")");
                }
            }
            int dim = h[0], hidden = h[1], nLayers = h[2], nHeads = h[3], nKvHeads = h[4], vocab = Math.abs(h[5]), seqLen = h[6];
            boolean tied = h[5] > 0;
            if (dim % nHeads != 0) fail(file, "n_heads", 12, nHeads + " does not divide dim " + dim);
            if (nKvHeads > nHeads || nHeads % nKvHeads != 0) fail(file, "n_kv_heads", 16, nKvHeads + " does not divide n_heads " + nHeads);
            int headSize = dim / nHeads;
            if (headSize % 2 != 0) fail(file, "n_heads", 12, "head size " + headSize + " is odd (RoPE needs pairs)");
            ModelConfig config = new ModelConfig(dim, hidden, nLayers, nHeads, nKvHeads, vocab, seqLen, 10000.0, 1e-5, tied, null);
            int kvDim = config.kvDim();

            // the total size first, by formula, so absurd headers fail before any per-tensor work
            long perLayer = Math.addExact(Math.addExact(2L * dim, 2 * Math.multiplyExact((long) dim, dim)),
                    Math.addExact(2 * Math.multiplyExact((long) kvDim, dim), 3 * Math.multiplyExact((long) dim, hidden)));
            long floats = Math.addExact(Math.addExact(Math.multiplyExact((long) vocab, dim), Math.multiplyExact(perLayer, nLayers)), dim);
            if (!tied) floats = Math.addExact(floats, Math.addExact(Math.multiplyExact((long) seqLen, headSize), Math.multiplyExact((long) vocab, dim)));
            long needed = Math.addExact(HEADER_BYTES, Math.multiplyExact(floats, 4L));
            if (size < needed) {
                throw new IllegalArgumentException(file + ": file has " + size + " bytes but the header (" + describe(h) + ") implies "
                        + needed + "; the weights would end at byte offset " + needed);
            }

            // plan every tensor's offset first, check the total against the file, then map
            Map<String, long[]> shapes = new LinkedHashMap<>();
            Map<String, Long> offsets = new LinkedHashMap<>();
            long off = HEADER_BYTES;
            off = plan(shapes, offsets, off, "tok_embeddings", vocab, dim);
            String[] order = {"rms_att", "wq", "wk", "wv", "wo", "rms_ffn", "w1", "w2", "w3"};
            for (String field : order) {
                for (int l = 0; l < nLayers; l++) {
                    long[] shape = switch (field) {
                        case "rms_att", "rms_ffn" -> new long[]{dim};
                        case "wq", "wo" -> new long[]{dim, dim};
                        case "wk", "wv" -> new long[]{kvDim, dim};
                        case "w1", "w3" -> new long[]{hidden, dim};
                        case "w2" -> new long[]{dim, hidden};
                        default -> throw new AssertionError(field);
                    };
                    off = plan(shapes, offsets, off, Weights.name(l, field), shape);
                }
            }
            off = plan(shapes, offsets, off, "rms_final", dim);
            off = Math.addExact(off, Math.multiplyExact((long) seqLen, headSize) * Float.BYTES); // freq_cis_real + imag (seq_len * head_size/2 each)
            if (!tied) off = plan(shapes, offsets, off, "wcls", vocab, dim);
            long need = tied ? offsets.get("rms_final") + (long) dim * Float.BYTES : off;
            if (size < need) {
                String last = tied ? "rms_final" : "wcls";
                throw new IllegalArgumentException(file + ": file has " + size + " bytes but the header (" + describe(h) + ") implies "
                        + need + "; tensor '" + last + "' would end at byte offset " + need);
            }
            MemorySegment all = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, Arena.ofAuto());
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (var e : shapes.entrySet()) {
                long o = offsets.get(e.getKey());
                long bytes = DType.F32.byteSize(numel(e.getValue()));
                tensors.put(e.getKey(), Tensor.of(e.getKey(), DType.F32, e.getValue(), all.asSlice(o, bytes)));
            }
            return new Weights(config, tensors);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(file + ": header dimensions overflow a 64-bit size", e);
        }
    }

    /** Reads only the header as a config (for tools that do not need the weights). */
    public static ModelConfig readConfig(Path file) throws IOException {
        return load(file).config();
    }

    private static long plan(Map<String, long[]> shapes, Map<String, Long> offsets, long off, String name, long... shape) {
        shapes.put(name, shape);
        offsets.put(name, off);
        return Math.addExact(off, Math.multiplyExact(numel(shape), (long) Float.BYTES));
    }

    private static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return n;
    }

    private static String describe(int[] h) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 7; i++) sb.append(i == 0 ? "" : ", ").append(FIELDS[i]).append('=').append(h[i]);
        return sb.toString();
    }

    private static void fail(Path file, String field, int offset, String why) {
        throw new IllegalArgumentException(file + ": header field " + field + " at byte offset " + offset + ": " + why);
    }
}
