package dev.minerva.engine;

import dev.minerva.backend.Backend;
import dev.minerva.model.Llama;
import dev.minerva.model.tokenizer.Tokenizer;
import dev.minerva.tensor.Tensor;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Text generation for one sequence: the prompt is prefilled in one forward call, then tokens are
 * decoded one at a time and streamed as text. Stops at {@code maxTokens}, at BOS or EOS (which are
 * not emitted, as llama2.c stops on BOS), or at the context limit.
 */
public final class Generator {
    private final Llama model;
    private final Tokenizer tokenizer;

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
        this.model = model;
        this.tokenizer = tokenizer;
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
        int context = model.config().seqLen();
        if (prompt.length == 0) throw new IllegalArgumentException("prompt has no tokens (encode with BOS)");
        if (prompt.length > context) {
            throw new IllegalArgumentException("prompt has " + prompt.length + " tokens but the model's context is " + context + " tokens");
        }
        if (maxTokens < 0) throw new IllegalArgumentException("max tokens must be >= 0: " + maxTokens);
        Backend backend = model.backend();
        KvCache cache = new DenseKvCache(backend, model.config(), context);
        Utf8Stream utf8 = new Utf8Stream();
        StringBuilder text = new StringBuilder();
        int[] out = new int[Math.min(maxTokens, context - prompt.length + 1)];
        float[] probs = new float[out.length];
        int n = 0;
        Stop stop = Stop.MAX_TOKENS;
        long start = System.nanoTime(), prefill = 0;
        int prev = prompt[prompt.length - 1];
        Batch batch = Batch.of(0, prompt, 0, false);
        int pos = prompt.length;
        while (n < maxTokens) {
            if (batch == null) {
                if (pos >= context) { stop = Stop.CONTEXT_LIMIT; break; }
                batch = Batch.of(0, new int[]{prev}, pos++, false);
            }
            Tensor logits = model.forward(batch, cache, ForwardHooks.NONE);
            Sampler.Sample s = sampler.sample(backend.read(logits, 0, 1));
            if (n == 0) prefill = System.nanoTime() - start;
            batch = null;
            if (tokenizer != null && (s.token() == tokenizer.bos() || s.token() == tokenizer.eos())) { stop = Stop.END_OF_SEQUENCE; break; }
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
        cache.free(0);
        String tail = utf8.finish();
        text.append(tail);
        if (onText != null && !tail.isEmpty()) onText.accept(tail);
        long total = System.nanoTime() - start;
        return new Result(prompt.clone(), Arrays.copyOf(out, n), Arrays.copyOf(probs, n), text.toString(), stop,
                prefill, n == 0 ? 0 : total - prefill);
    }
}
