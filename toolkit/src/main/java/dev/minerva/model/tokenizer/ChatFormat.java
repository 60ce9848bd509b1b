package dev.minerva.model.tokenizer;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The prompt formats of the chat models a researcher meets most, for one system message (optional) and one user
 * turn, ending where the assistant's reply begins. Models ship their format as a Jinja template
 * ({@code tokenizer_config.json}'s {@code chat_template}, GGUF's {@code tokenizer.chat_template}). A full Jinja engine
 * would be a large dependency for five short formats, so {@link #detect} recognises a template by the markers only
 * its family uses, and each format is rendered here by hand. What a rendering leaves out is BOS: the tokenizer adds
 * it when encoding, as for any other prompt.
 */
public enum ChatFormat {
    /** Llama 3 / 3.1 / 3.2 Instruct: header tokens around each role, {@code <|eot_id|>} ends a turn; contents trimmed. */
    LLAMA3("<|eot_id|>") {
        @Override public String render(String system, String user) {
            StringBuilder b = new StringBuilder();
            if (system != null) b.append(turn("system", system.strip()));
            return b.append(turn("user", user.strip())).append("<|start_header_id|>assistant<|end_header_id|>\n\n").toString();
        }

        private static String turn(String role, String content) {
            return "<|start_header_id|>" + role + "<|end_header_id|>\n\n" + content + "<|eot_id|>";
        }
    },
    /** ChatML (Qwen, many fine-tunes): {@code <|im_start|>role\n...<|im_end|>\n}. */
    CHATML("<|im_end|>") {
        @Override public String render(String system, String user) {
            StringBuilder b = new StringBuilder();
            if (system != null) b.append("<|im_start|>system\n").append(system).append("<|im_end|>\n");
            return b.append("<|im_start|>user\n").append(user).append("<|im_end|>\n<|im_start|>assistant\n").toString();
        }
    },
    /** Zephyr, as TinyLlama-1.1B-Chat uses it: {@code <|role|>\n...</s>\n}. */
    ZEPHYR("</s>") {
        @Override public String render(String system, String user) {
            StringBuilder b = new StringBuilder();
            if (system != null) b.append("<|system|>\n").append(system).append("</s>\n");
            return b.append("<|user|>\n").append(user).append("</s>\n<|assistant|>\n").toString();
        }
    },
    /** Llama 2 Chat: {@code [INST] <<SYS>>\n...\n<</SYS>>\n\n... [/INST]}; the user turn stripped. */
    LLAMA2("</s>") {
        @Override public String render(String system, String user) {
            String sys = system == null ? "" : "<<SYS>>\n" + system.strip() + "\n<</SYS>>\n\n";
            return "[INST] " + sys + user.strip() + " [/INST]";
        }
    },
    /** Mistral Instruct: {@code [INST] ... [/INST]}; it has no system role, so a system message leads the user turn. */
    MISTRAL("</s>") {
        @Override public String render(String system, String user) {
            return "[INST] " + (system == null ? "" : system + "\n\n") + user + " [/INST]";
        }
    };

    private final String endOfTurn;

    ChatFormat(String endOfTurn) { this.endOfTurn = endOfTurn; }

    /**
     * The prompt for one user turn, after an optional system message ({@code null}: none), up to where the
     * assistant's reply starts. BOS is not included.
     */
    public abstract String render(String system, String user);

    /** The token text that ends the assistant's turn (generation stops on it). */
    public String endOfTurn() { return endOfTurn; }

    /** The format's name as the command line spells it ({@code llama3}, {@code chatml}, ...). */
    public String id() { return name().toLowerCase(Locale.ROOT); }

    /** All names, for messages. */
    public static String names() {
        return Arrays.stream(values()).map(ChatFormat::id).collect(Collectors.joining(", "));
    }

    /** The format named {@code id} (case-insensitive). */
    public static ChatFormat named(String id) {
        for (ChatFormat f : values()) if (f.id().equalsIgnoreCase(id)) return f;
        throw new IllegalArgumentException("unknown chat format '" + id + "' (known: " + names() + ")");
    }

    /**
     * The format a model's Jinja chat template renders, recognised by markers only that family uses (checked
     * in this order: Llama 3's header tokens, ChatML's {@code <|im_start|>}, Zephyr's {@code <|user|>}, Llama 2's
     * {@code <<SYS>>}, then a bare {@code [INST]} for Mistral).
     *
     * @throws IllegalArgumentException if none matches, quoting the template's start
     */
    public static ChatFormat detect(String template) {
        if (template.contains("<|start_header_id|>")) return LLAMA3;
        if (template.contains("<|im_start|>")) return CHATML;
        if (template.contains("<|user|>")) return ZEPHYR;
        if (template.contains("<<SYS>>")) return LLAMA2;
        if (template.contains("[INST]")) return MISTRAL;
        String start = template.length() > 80 ? template.substring(0, 80) + "..." : template;
        throw new IllegalArgumentException("the model's chat template is none of the known formats (" + names()
                + "): \"" + start.replace("\n", "\\n") + "\"; pass --chat-format to choose one");
    }
}
