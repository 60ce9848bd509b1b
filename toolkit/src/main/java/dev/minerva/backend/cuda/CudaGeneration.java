package dev.minerva.backend.cuda;

import dev.minerva.engine.Batch;
import dev.minerva.engine.BatchDecoder;
import dev.minerva.engine.ForwardHooks;
import dev.minerva.engine.KvCache;
import dev.minerva.engine.Sampler;
import dev.minerva.engine.SequenceDecoder;
import dev.minerva.model.Llama;
import dev.minerva.model.ModelConfig;
import dev.minerva.model.Weights;
import dev.minerva.tensor.Tensor;

/**
 * Text generation with the whole decode step on the GPU, for {@code Generator}: the prompt runs through {@code Llama}
 * on the CUDA backend (the tensor-core prefill GEMM and attention) straight into {@link CudaDecoder}'s cache slot, and
 * each following token is one replay of the decoder's CUDA graph, sampled on the device; per token only the picked id
 * and its probability are read back. One decoder serves every generation, so the weights are uploaded once; with
 * {@code maxBatch > 1} it also decodes several sequences in lockstep ({@link BatchDecoder}), one graph replay a step.
 *
 * <p>Sampling: greedy (argmax, as the CPU's greedy sampler) and temperature / top-k / top-p run on the device. The
 * device draws from its own counter-based generator, so a seeded sampled run is repeatable but not the CPU's run.
 * Min-p has no device version: with it, the logits of each step are read back and the CPU {@link Sampler} picks.
 */
public final class CudaGeneration implements SequenceDecoder.Factory, BatchDecoder.Factory, AutoCloseable {
    private final CudaDecoder decoder;
    private final Llama prefill;
    private boolean open;

    /**
     * How {@code minerva generate} runs on the CUDA backend: {@code -Dminerva.cuda.generate=decoder|ops}, default
     * decoder (this class, where {@link #applies}); ops runs the backend's ops one by one, as on the CPU.
     */
    public enum Path {
        DECODER, OPS;

        /** @throws IllegalArgumentException naming the property and the value, for anything but decoder or ops */
        public static Path configured() { return KernelVersion.configured("minerva.cuda.generate", DECODER, values()); }
    }

    /** Whether {@link CudaDecoder} takes this model (its attention kernel's head sizes). */
    public static boolean applies(ModelConfig c) { return CudaDecoder.headSizeSupported(c.headSize()); }

    /**
     * Whether generation of this model on {@code backend} runs here: on the CUDA backend, for a model {@link #applies}
     * takes, unless {@link Path#configured} says ops. What {@code minerva generate} and {@code minerva bench} ask.
     */
    public static boolean runs(dev.minerva.backend.Backend backend, ModelConfig c) {
        return backend instanceof CudaBackend && applies(c) && Path.configured() == Path.DECODER;
    }

    /**
     * Uploads {@code weights} for single generations of up to {@code capacity} positions (prompt and generated tokens).
     *
     * @throws IllegalArgumentException if the model's head size is not one {@link CudaDecoder} takes ({@link #applies})
     */
    public CudaGeneration(CudaBackend gpu, Weights weights, int capacity) { this(gpu, weights, 1, capacity); }

    /**
     * Uploads {@code weights} for batches of up to {@code maxBatch} sequences, each of up to {@code capacity} positions.
     *
     * @throws IllegalArgumentException if the model's head size is not one {@link CudaDecoder} takes ({@link #applies})
     */
    public CudaGeneration(CudaBackend gpu, Weights weights, int maxBatch, int capacity) {
        this.decoder = new CudaDecoder(gpu, weights, maxBatch, capacity);
        this.prefill = new Llama(decoder.deviceWeights(), gpu);
    }

    /** The decoder underneath (gpu-check reads its step version and logits). */
    CudaDecoder decoder() { return decoder; }

    @Override public SequenceDecoder open(Sampler sampler, int capacity) { return BatchDecoder.sequence(this).open(sampler, capacity); }

    /**
     * Sequences 0..batch-1 of the decoder's slots. Each prompt runs through {@code Llama} into its slot; each step is
     * the batch's graph replay, every slot's pick made on the device (or, for min-p, on the host from the logits).
     */
    @Override public BatchDecoder open(Sampler sampler, int batch, int capacity) {
        if (open) throw new IllegalStateException("CudaGeneration runs one generation at a time; close the last one first");
        if (batch < 1 || batch > decoder.maxBatch()) throw new IllegalArgumentException("batch " + batch + " outside 1.." + decoder.maxBatch() + " (the decoder's slots)");
        if (capacity > decoder.capacity()) {
            throw new IllegalArgumentException("a generation of " + capacity + " positions does not fit the decoder's " + decoder.capacity());
        }
        CudaDecoder.Sampling device = CudaDecoder.Sampling.of(sampler);
        decoder.sampling(device != null ? device : CudaDecoder.Sampling.GREEDY);
        KvCache cache = decoder.kvCache();
        for (int i = 0; i < batch; i++) cache.free(i);
        open = true;
        return new BatchDecoder() {
            // the token each slot's last pick wrote into the decoder's input (what the caller usually feeds back);
            // -1 until the slot is prefilled
            private final int[] last = filled(batch, -1);

            @Override public int batch() { return batch; }

            @Override public Sampler.Sample prefill(int seq, int[] prompt) {
                java.util.Objects.checkIndex(seq, batch);
                cache.free(seq);
                Tensor logits = prefill.forward(Batch.of(seq, prompt, 0, false), cache, ForwardHooks.NONE);
                Sampler.Sample devicePick = decoder.begin(seq, logits, 0);
                last[seq] = devicePick.token();
                // a host pick reaches the slot's input when it is fed back (next compares it with the device's)
                return device != null ? devicePick : sampler.sample(prefill.backend().read(logits, 0, 1));
            }

            @Override public Sampler.Sample[] next(int[] tokens) {
                if (tokens.length != batch) throw new IllegalArgumentException(tokens.length + " tokens for a batch of " + batch);
                for (int i = 0; i < batch; i++) {
                    if (last[i] < 0) throw new IllegalStateException("sequence " + i + " was not prefilled");
                    if (tokens[i] != last[i]) decoder.feed(i, tokens[i]);
                }
                Sampler.Sample[] picks = decoder.next(batch);
                for (int i = 0; i < batch; i++) last[i] = picks[i].token();   // what the step wrote, before a host pick replaces it
                return device != null ? picks : sampler.sampleRows(decoder.logits(batch), batch);
            }

            @Override public void close() {
                for (int i = 0; i < batch; i++) cache.free(i);
                open = false;
            }
        };
    }

    private static int[] filled(int n, int v) {
        int[] a = new int[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    @Override public void close() { decoder.close(); }
}
