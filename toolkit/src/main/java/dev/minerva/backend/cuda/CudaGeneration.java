package dev.minerva.backend.cuda;

import dev.minerva.engine.Batch;
import dev.minerva.engine.ForwardHooks;
import dev.minerva.engine.KvCache;
import dev.minerva.engine.Sampler;
import dev.minerva.engine.SequenceDecoder;
import dev.minerva.model.Llama;
import dev.minerva.model.ModelConfig;
import dev.minerva.model.Weights;
import dev.minerva.tensor.Tensor;

import java.util.function.Supplier;

/**
 * Text generation with the whole decode step on the GPU, for {@code Generator}: the prompt runs through {@code Llama}
 * on the CUDA backend (the tensor-core prefill GEMM and attention) straight into {@link CudaDecoder}'s cache slot, and
 * each following token is one replay of the decoder's CUDA graph, sampled on the device; per token only the picked id
 * and its probability are read back. One decoder (batch 1) serves every generation, so the weights are uploaded once.
 *
 * <p>Sampling: greedy (argmax, as the CPU's greedy sampler) and temperature / top-k / top-p run on the device. The
 * device draws from its own counter-based generator, so a seeded sampled run is repeatable but not the CPU's run.
 * Min-p has no device version: with it, the logits of each step are read back and the CPU {@link Sampler} picks.
 */
public final class CudaGeneration implements SequenceDecoder.Factory, AutoCloseable {
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
     * Uploads {@code weights} for generations of up to {@code capacity} positions (prompt and generated tokens).
     *
     * @throws IllegalArgumentException if the model's head size is not one {@link CudaDecoder} takes ({@link #applies})
     */
    public CudaGeneration(CudaBackend gpu, Weights weights, int capacity) {
        this.decoder = new CudaDecoder(gpu, weights, 1, capacity);
        this.prefill = new Llama(decoder.deviceWeights(), gpu);
    }

    /** The decoder underneath (gpu-check reads its step version and logits). */
    CudaDecoder decoder() { return decoder; }

    @Override public SequenceDecoder open(Sampler sampler, int capacity) {
        if (open) throw new IllegalStateException("CudaGeneration runs one sequence at a time; close the last one first");
        if (capacity > decoder.capacity()) {
            throw new IllegalArgumentException("a generation of " + capacity + " positions does not fit the decoder's " + decoder.capacity());
        }
        CudaDecoder.Sampling device = CudaDecoder.Sampling.of(sampler);
        decoder.sampling(device != null ? device : CudaDecoder.Sampling.GREEDY);
        KvCache cache = decoder.kvCache();
        cache.free(0);
        open = true;
        return new SequenceDecoder() {
            private int last = -1;   // the token the device step wrote into its input (the one Generator feeds back)

            @Override public Sampler.Sample prefill(int[] prompt) {
                Tensor logits = prefill.forward(Batch.of(0, prompt, 0, false), cache, ForwardHooks.NONE);
                return picked(decoder.begin(0, logits, 0), () -> prefill.backend().read(logits, 0, 1));
            }

            @Override public Sampler.Sample next(int token) {
                if (token != last) decoder.feed(0, token);
                return picked(decoder.next(1)[0], () -> decoder.logits(1));
            }

            /** With a device sampler, its pick; otherwise the host sampler's, from the logits read back. */
            private Sampler.Sample picked(Sampler.Sample devicePick, Supplier<float[]> logits) {
                last = devicePick.token();
                return device != null ? devicePick : sampler.sample(logits.get());
            }

            @Override public void close() {
                cache.free(0);
                open = false;
            }
        };
    }

    @Override public void close() { decoder.close(); }
}
