package dev.minerva.model.safetensors;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hugging Face Llama tensor names ⇄ Minerva's canonical (llama2.c) names:
 * {@code model.embed_tokens.weight} ⇄ {@code tok_embeddings},
 * {@code model.layers.{i}.self_attn.q_proj.weight} ⇄ {@code layers.{i}.wq}, …,
 * {@code model.norm.weight} ⇄ {@code rms_final}, {@code lm_head.weight} ⇄ {@code wcls}.
 */
public final class HfTensorNames {
    private HfTensorNames() {}

    private static final String[][] LAYER = {
            {"rms_att", "input_layernorm.weight"},
            {"rms_ffn", "post_attention_layernorm.weight"},
            {"wq", "self_attn.q_proj.weight"},
            {"wk", "self_attn.k_proj.weight"},
            {"wv", "self_attn.v_proj.weight"},
            {"wo", "self_attn.o_proj.weight"},
            {"w1", "mlp.gate_proj.weight"},
            {"w2", "mlp.down_proj.weight"},
            {"w3", "mlp.up_proj.weight"},
    };
    private static final Pattern CANON = Pattern.compile("layers\\.(\\d+)\\.(\\w+)");
    private static final Pattern HF = Pattern.compile("model\\.layers\\.(\\d+)\\.(.+)");

    /** The HF name of canonical tensor {@code name}. */
    public static String toHf(String name) {
        switch (name) {
            case "tok_embeddings": return "model.embed_tokens.weight";
            case "rms_final": return "model.norm.weight";
            case "wcls": return "lm_head.weight";
            default:
        }
        Matcher m = CANON.matcher(name);
        if (m.matches()) {
            for (String[] p : LAYER) if (p[0].equals(m.group(2))) return "model.layers." + m.group(1) + "." + p[1];
        }
        throw new IllegalArgumentException("no Hugging Face name for tensor '" + name + "'");
    }

    /** The canonical name of HF tensor {@code hf}, or {@code null} for tensors Minerva does not use (e.g. rotary inv_freq). */
    public static String toCanonical(String hf) {
        switch (hf) {
            case "model.embed_tokens.weight": return "tok_embeddings";
            case "model.norm.weight": return "rms_final";
            case "lm_head.weight": return "wcls";
            default:
        }
        Matcher m = HF.matcher(hf);
        if (m.matches()) {
            for (String[] p : LAYER) if (p[1].equals(m.group(2))) return "layers." + m.group(1) + "." + p[0];
        }
        return null;
    }
}
