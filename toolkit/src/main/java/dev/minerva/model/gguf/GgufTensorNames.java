package dev.minerva.model.gguf;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * llama.cpp tensor names ⇄ Minerva's canonical (llama2.c) names: {@code token_embd.weight} ⇄
 * {@code tok_embeddings}, {@code blk.{i}.attn_q.weight} ⇄ {@code layers.{i}.wq}, …,
 * {@code output_norm.weight} ⇄ {@code rms_final}, {@code output.weight} ⇄ {@code wcls}.
 * GGUF keeps Meta's interleaved RoPE row order for q/k (llama.cpp's HF converter undoes HF's
 * permutation), which is llama2.c's, so no rows are moved.
 */
public final class GgufTensorNames {
    private GgufTensorNames() {}

    private static final String[][] LAYER = {
            {"rms_att", "attn_norm.weight"}, {"rms_ffn", "ffn_norm.weight"},
            {"wq", "attn_q.weight"}, {"wk", "attn_k.weight"}, {"wv", "attn_v.weight"}, {"wo", "attn_output.weight"},
            {"w1", "ffn_gate.weight"}, {"w2", "ffn_down.weight"}, {"w3", "ffn_up.weight"},
    };
    private static final Pattern CANON = Pattern.compile("layers\\.(\\d+)\\.(\\w+)");
    private static final Pattern GG = Pattern.compile("blk\\.(\\d+)\\.(.+)");

    public static String toGguf(String name) {
        switch (name) {
            case "tok_embeddings": return "token_embd.weight";
            case "rms_final": return "output_norm.weight";
            case "wcls": return "output.weight";
            default:
        }
        Matcher m = CANON.matcher(name);
        if (m.matches()) for (String[] p : LAYER) if (p[0].equals(m.group(2))) return "blk." + m.group(1) + "." + p[1];
        throw new IllegalArgumentException("no GGUF name for tensor '" + name + "'");
    }

    /** The canonical name, or {@code null} for tensors Minerva does not use (e.g. rope_freqs.weight). */
    public static String toCanonical(String gguf) {
        switch (gguf) {
            case "token_embd.weight": return "tok_embeddings";
            case "output_norm.weight": return "rms_final";
            case "output.weight": return "wcls";
            default:
        }
        Matcher m = GG.matcher(gguf);
        if (m.matches()) for (String[] p : LAYER) if (p[1].equals(m.group(2))) return "layers." + m.group(1) + "." + p[0];
        return null;
    }
}
