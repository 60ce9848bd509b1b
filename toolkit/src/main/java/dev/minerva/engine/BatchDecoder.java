package dev.minerva.engine;

import dev.minerva.model.Llama;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Several sequences decoded in lockstep: each is prefilled on its own, then every step feeds one token to each and
 * picks each one's next token, in one forward call (one read of the weights for the whole batch). This is what
 * batching buys in decode, and what {@code minerva bench --batch} measures. The host implementation ({@link #of})
 * runs {@code Llama.forward} over one ragged batch; on a GPU, {@code CudaGeneration} replays the device decoder's
 * graph for the batch over its cache slots. A {@link SequenceDecoder} is the batch-1 case ({@link #sequence}).
 */
public interface BatchDecoder extends AutoCloseable {
    /** Makes a decoder for {@code batch} sequences of up to {@code capacity} positions each, picking with {@code sampler}. */
    @FunctionalInterface
    interface Factory {
        BatchDecoder open(Sampler sampler, int batch, int capacity);
    }

    /** The sequences it decodes. */
    int batch();

    /** Runs {@code prompt} in sequence {@code seq} (0..batch-1) at positions 0.. and picks the token after it. */
    Sampler.Sample prefill(int seq, int[] prompt);

    /**
     * One step for every sequence: {@code tokens[i]} goes in at sequence i's next position, and each one's next token
     * is picked. Every sequence must have been prefilled.
     */
    Sampler.Sample[] next(int[] tokens);

    /** Gives back the sequences' cache. */
    @Override void close();

    /** The host loop: {@code model.forward} over a dense cache, one ragged batch per step, {@code sampler} on each row. */
    static Factory of(Llama model) {
        return (sampler, batch, capacity) -> {
            if (batch < 1) throw new IllegalArgumentException("batch must be >= 1: " + batch);
            return new BatchDecoder() {
                private final KvCache cache = new DenseKvCache(model.backend(), model.config(), capacity);
                private final int[] pos = new int[batch];

                @Override public int batch() { return batch; }

                @Override public Sampler.Sample prefill(int seq, int[] prompt) {
                    Objects.checkIndex(seq, batch);
                    cache.free(seq);
                    pos[seq] = prompt.length;
                    return sampler.sample(model.backend().read(model.forward(Batch.of(seq, prompt, 0, false), cache, ForwardHooks.NONE), 0, 1));
                }

                @Override public Sampler.Sample[] next(int[] tokens) {
                    if (tokens.length != batch) throw new IllegalArgumentException(tokens.length + " tokens for a batch of " + batch);
                    List<Batch.Entry> entries = new ArrayList<>(batch);
                    for (int i = 0; i < batch; i++) {
                        if (pos[i] == 0) throw new IllegalStateException("sequence " + i + " was not prefilled");
                        entries.add(Batch.causal(i, new int[]{tokens[i]}, pos[i]++, false));
                    }
                    return sampler.sampleRows(model.backend().read(model.forward(new Batch(entries), cache, ForwardHooks.NONE)), batch);
                }

                @Override public void close() { for (int i = 0; i < batch; i++) cache.free(i); }
            };
        };
    }

    /** One sequence through a batch-1 decoder of {@code batches}: how {@code Generator} uses a batched implementation. */
    static SequenceDecoder.Factory sequence(Factory batches) {
        return (sampler, capacity) -> {
            BatchDecoder d = batches.open(sampler, 1, capacity);
            return new SequenceDecoder() {
                @Override public Sampler.Sample prefill(int[] prompt) { return d.prefill(0, prompt); }

                @Override public Sampler.Sample next(int token) { return d.next(new int[]{token})[0]; }

                @Override public void close() { d.close(); }
            };
        };
    }
}
