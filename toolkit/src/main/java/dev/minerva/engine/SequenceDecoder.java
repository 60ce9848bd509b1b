package dev.minerva.engine;

/**
 * One sequence's decode loop as {@link Generator} drives it: the prompt goes in once, then each picked token is fed
 * back and the next one picked. The CPU implementation ({@link #of}) runs {@code Llama.forward} over a
 * {@link DenseKvCache} and samples on the host; a GPU one ({@code backend.cuda.CudaGeneration}) keeps the cache,
 * the step (a CUDA graph) and the sampling on the device, so only the picked token crosses to the host. Both are the
 * batch-1 case of their {@link BatchDecoder}.
 */
public interface SequenceDecoder extends AutoCloseable {
    /** Makes a decoder for one generation: its sampler, and room for {@code capacity} positions. */
    @FunctionalInterface
    interface Factory {
        SequenceDecoder open(Sampler sampler, int capacity);
    }

    /** Runs {@code prompt} at positions 0.. and picks the token after it. */
    Sampler.Sample prefill(int[] prompt);

    /** Feeds {@code token} at the next position and picks the token after it. */
    Sampler.Sample next(int token);

    /** Gives back the sequence's cache. */
    @Override void close();

    /** The host loop: {@code model.forward} over a dense cache, then {@code sampler} on the logits read back. */
    static Factory of(dev.minerva.model.Llama model) { return BatchDecoder.sequence(BatchDecoder.of(model)); }
}
