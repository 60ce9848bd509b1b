package dev.minerva.model;

/**
 * What a model's files say about chatting, carried from loader to converter.
 *
 * @param template  the Jinja chat template ({@code tokenizer_config.json}'s {@code chat_template}, GGUF's
 *                  {@code tokenizer.chat_template}), or {@code null} if the files carry none
 * @param endTokens ids that end a generation besides the tokenizer's EOS (Llama 3 Instruct ends its turns with
 *                  {@code <|eot_id|>}, while its EOS is {@code <|end_of_text|>})
 */
public record ChatSpec(String template, int[] endTokens) {
    /** No template and no end tokens beyond EOS (llama2.c checkpoints, synthetic models). */
    public static final ChatSpec NONE = new ChatSpec(null, new int[0]);

    public ChatSpec {
        endTokens = endTokens.clone();
    }

    @Override public int[] endTokens() { return endTokens.clone(); }

    /** The same without {@code id} among the end tokens (a converter drops the EOS it writes as EOS anyway). */
    public ChatSpec withoutToken(int id) {
        return new ChatSpec(template, java.util.Arrays.stream(endTokens).filter(t -> t != id).toArray());
    }
}
