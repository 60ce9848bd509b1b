package dev.minerva.model.convert;

import dev.minerva.model.MappedFile;
import dev.minerva.model.ModelConfig;
import dev.minerva.model.ModelFormatException;
import dev.minerva.model.Weights;
import dev.minerva.tensor.DType;
import dev.minerva.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a llama2.c "legacy" checkpoint (7 int32 header: dim, hidden_dim, n_layers, n_heads,
 * n_kv_heads, vocab_size (negative = untied classifier), seq_len; then float32 tensors in run.c's
 * order) as memory-mapped {@link Weights}, for the converters. Every extent is checked against the
 * file size first.
 */
public final class Llama2cWeights {
    private Llama2cWeights() {}

    private static final int HEADER = 7 * 4;

    /** Maps {@code file} into {@code arena} and returns its weights (views of the mapping). */
    public static Weights read(Path file, Arena arena) throws IOException {
        MemorySegment m = MappedFile.map(file, arena, "llama2.c checkpoint", HEADER);
        String[] names = {"dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"};
        int[] h = new int[7];
        for (int i = 0; i < 7; i++) h[i] = m.get(ValueLayout.JAVA_INT_UNALIGNED, 4L * i);
        for (int i = 0; i < 7; i++) {
            if (i != 5 && (h[i] <= 0 || h[i] > 1 << 20)) throw new ModelFormatException(file, "header " + names[i], 4L * i, "is " + h[i]);
        }
        boolean tied = h[5] > 0;
        int vocab = Math.abs(h[5]);
        ModelConfig cfg;
        try {
            cfg = new ModelConfig(h[0], h[1], h[2], h[3], h[4], vocab, h[6], 10000.0, 1e-5, tied, null);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file, "header", 0, e.getMessage(), e);
        }
        long dim = cfg.dim(), kv = cfg.kvDim(), hid = cfg.hiddenDim(), L = cfg.nLayers();
        long need = HEADER + 4L * (vocab * dim + L * (2 * dim + 2 * dim * dim + 2 * kv * dim + 3 * dim * hid) + dim
                + (long) cfg.seqLen() * cfg.headSize() + (tied ? 0 : vocab * dim));
        if (m.byteSize() < need) {
            throw new ModelFormatException(file, "weights", m.byteSize(), "file is " + m.byteSize() + " bytes but the header "
                    + java.util.Arrays.toString(h) + " needs " + need);
        }
        Map<String, Tensor> t = new LinkedHashMap<>();
        long[] off = {HEADER};
        t.put("tok_embeddings", take(m, off, "tok_embeddings", vocab, dim));
        String[][] order = {{"rms_att"}, {"wq"}, {"wk"}, {"wv"}, {"wo"}, {"rms_ffn"}, {"w1"}, {"w2"}, {"w3"}};
        for (String[] f : order) {
            for (int i = 0; i < L; i++) {
                long[] shape = switch (f[0]) {
                    case "rms_att", "rms_ffn" -> new long[]{dim};
                    case "wq", "wo" -> new long[]{dim, dim};
                    case "wk", "wv" -> new long[]{kv, dim};
                    case "w1", "w3" -> new long[]{hid, dim};
                    default -> new long[]{dim, hid};
                };
                t.put(Weights.name(i, f[0]), take(m, off, Weights.name(i, f[0]), shape));
            }
        }
        t.put("rms_final", take(m, off, "rms_final", dim));
        off[0] += 4L * cfg.seqLen() * cfg.headSize();  // legacy freq_cis_real and freq_cis_imag, unused
        if (!tied) t.put("wcls", take(m, off, "wcls", vocab, dim));
        return new Weights(cfg, t);
    }

    private static Tensor take(MemorySegment m, long[] off, String name, long... shape) {
        long n = 1;
        for (long d : shape) n *= d;
        Tensor t = Tensor.of(name, DType.F32, shape, m.asSlice(off[0], 4 * n));
        off[0] += 4 * n;
        return t;
    }
}
