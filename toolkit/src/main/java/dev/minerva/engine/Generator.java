package dev.minerva.engine;

import dev.minerva.model.Llama;
import dev.minerva.model.ModelConfig;
import dev.minerva.model.tokenizer.Tokenizer;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Text generation for one sequence: the prompt is prefilled in one forward call, then tokens are
 * decoded one at a time and streamed as text. Stops at {@code maxTokens}, at BOS or EOS (which are
 * not emitted, as llama2.c stops on BOS) or the other stop tokens given to {@link #stoppingAt}, or at the context limit. The loop itself runs on a
 * {@link SequenceDecoder}: the host one over {@code Llama} by default, or one that keeps the whole step on a GPU.
 */
public final class Generator {
    private final ModelConfig config;
    private final SequenceDecoder.Factory decoders;
    private final Tokenizer tokenizer;
    /** Ids that end the generation besides BOS; {@code null}: the tokenizer's EOS. */
    private final int[] stops;

    /** Why generation ended. */
    public enum Stop { MAX_TOKENS, END_OF_SEQUENCE, CONTEXT_LIMIT }

    /**
     * @param promptTokens  prompt ids (BOS included)
     * @param tokens        generated ids
     * @param probabilities sampling probability of each generated id
     * @param text          generated text
     * @param prefillNanos  time of the prompt's forward pass + first sample (time to first token)
     * @param decodeNanos   time of the remaining steps
     */
    public record Result(int[] promptTokens, int[] tokens, float[] probabilities, String text, Stop stop,
                         long prefillNanos, long decodeNanos) {}

    /** @param tokenizer may be {@code null} when only token ids are used */
    public Generator(Llama model, Tokenizer tokenizer) {
        this(model.config(), SequenceDecoder.of(model), tokenizer);
    }

    /** Generation through {@code decoders} for a model of {@code config}; {@code tokenizer} may be {@code null}. */
    public Generator(ModelConfig config, SequenceDecoder.Factory decoders, Tokenizer tokenizer) {
        this(config, decoders, tokenizer, null);
    }

    private Generator(ModelConfig config, SequenceDecoder.Factory decoders, Tokenizer tokenizer, int[] stops) {
        this.config = config;
        this.decoders = decoders;
        this.tokenizer = tokenizer;
        this.stops = stops;
    }

    /**
     * The same generator, ending at BOS or any of {@code ids} (not emitted) instead of BOS or EOS: a model's
     * {@link dev.minerva.model.LoadedModel#stopTokens}, with a chat format's end of turn.
     */
    public Generator stoppingAt(int... ids) {
        return new Generator(config, decoders, tokenizer, ids.clone());
    }

    private boolean stopsAt(int token) {
        if (tokenizer != null && token == tokenizer.bos()) return true;
        if (stops == null) return tokenizer != null && token == tokenizer.eos();
        for (int id : stops) if (id == token) return true;
        return false;
    }

    /**
     * Positions a generation of {@code maxTokens} after a prompt of {@code promptLength} tokens needs, within the
     * model's context: the room {@link #generate} opens its decoder with. The last position fed is
     * {@code promptLength + maxTokens - 2}: the final pick needs no room after it.
     */
    public static int room(ModelConfig config, int promptLength, int maxTokens) {
        return (int) Math.min(config.seqLen(), (long) promptLength + maxTokens);
    }

    /** Encodes {@code prompt} with BOS and generates. */
    public Result generate(String prompt, int maxTokens, Sampler sampler, Consumer<String> onText) {
        if (tokenizer == null) throw new IllegalStateException("text generation needs a tokenizer");
        return generate(tokenizer.encode(prompt, true, false), maxTokens, sampler, onText);
    }

    /**
     * Generates up to {@code maxTokens} tokens after {@code prompt}.
     *
     * @param onText receives each completed piece of text (may be {@code null})
     * @throws IllegalArgumentException if the prompt is empty or longer than the model's context
     */
    public Result generate(int[] prompt, int maxTokens, Sampler sampler, Consumer<String> onText) {
        int context = config.seqLen();
        if (prompt.length == 0) throw new IllegalArgumentException("prompt has no tokens (encode with BOS)");
        if (prompt.length > context) {
            throw new IllegalArgumentException("prompt has " + prompt.length + " tokens but the model's context is " + context + " tokens");
        }
        if (maxTokens < 0) throw new IllegalArgumentException("max tokens must be >= 0: " + maxTokens);
        Utf8Stream utf8 = new Utf8Stream();
        StringBuilder text = new StringBuilder();
        int[] out = new int[Math.min(maxTokens, context - prompt.length + 1)];
        float[] probs = new float[out.length];
        int n = 0;
        Stop stop = Stop.MAX_TOKENS;
        long start = System.nanoTime(), prefill = 0;
        int prev = prompt[prompt.length - 1];
        int pos = prompt.length;
        try (SequenceDecoder decoder = maxTokens == 0 ? null : decoders.open(sampler, room(config, prompt.length, maxTokens))) {
            while (n < maxTokens) {
                Sampler.Sample s;
                if (n == 0) {
                    s = decoder.prefill(prompt);
                    prefill = System.nanoTime() - start;
                } else {
                    if (pos >= context) { stop = Stop.CONTEXT_LIMIT; break; }
                    pos++;
                    s = decoder.next(prev);
                }
                if (stopsAt(s.token())) { stop = Stop.END_OF_SEQUENCE; break; }
                out[n] = s.token();
                probs[n] = s.probability();
                n++;
                if (tokenizer != null) {
                    String piece = utf8.push(tokenizer.pieceBytes(prev, s.token()));
                    text.append(piece);
                    if (onText != null && !piece.isEmpty()) onText.accept(piece);
                }
                prev = s.token();
            }
        }
        String tail = utf8.finish();
        text.append(tail);
        if (onText != null && !tail.isEmpty()) onText.accept(tail);
        long total = System.nanoTime() - start;
        return new Result(prompt.clone(), Arrays.copyOf(out, n), Arrays.copyOf(probs, n), text.toString(), stop,
                prefill, n == 0 ? 0 : total - prefill);
    }
}
