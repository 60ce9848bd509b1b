package dev.minerva.bench;

import dev.minerva.engine.BatchDecoder;
import dev.minerva.engine.Sampler;
import dev.minerva.model.Llama;
import dev.minerva.model.ModelConfig;
import dev.minerva.model.Weights;
import dev.minerva.tensor.DType;
import dev.minerva.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Prefill and decode speed of one model. A random prompt (fixed seed) is prefilled in one forward call (time to first
 * token = that call + the first greedy sample), then tokens are decoded one step at a time (time per output token).
 * With a batch of B, B sequences, each with its own prompt, are prefilled one after another and then decoded in
 * lockstep, one forward call per step for all of them.
 *
 * <p>A warm-up on separate caches runs first, so the timed loops run JIT-compiled code. With
 * {@code warmupTokens > 0} it runs prefills of the whole prompt (at least two, continued until one second has passed:
 * the prefill kernels are only called a few hundred times per prompt, too few for the JIT to finish on the first),
 * then at least that many decode steps, continued until two seconds of decode have passed. Each phase then goes on
 * until the JIT has finished no compilation for {@link #JIT_QUIET_NANOS} ({@link JitWatch}), up to
 * {@link #WARMUP_MAX_NANOS}: on two cores the compiler thread lags the compute threads by seconds.
 *
 * <p>Decode throughput is compared with memory bandwidth through {@link #streamedBytes}: the weight bytes one decode
 * step must read, once for the whole batch.
 *
 * <p>Used by {@code minerva bench} and by the engine study. The loop runs on a {@link BatchDecoder}, whose batch-1
 * case is the loop {@code minerva generate} uses: the host loop over {@code Llama}, or on a GPU the device decoder
 * ({@code CudaGeneration}), so the figures are those of real generation. When the model runs on an
 * {@link OpProfile}, it records the timed prefill as phase {@value #PREFILL} and the timed decode steps as
 * {@value #DECODE}.
 */
public final class DecodeBenchmark {
    private DecodeBenchmark() {}

    /** Shortest decode warm-up, counted after the warm-up prefills, unless warm-up is off. */
    static final long WARMUP_NANOS = 2_000_000_000L;

    /** Shortest prefill warm-up (at least two prefills), unless warm-up is off. */
    static final long PREFILL_WARMUP_NANOS = 1_000_000_000L;

    /** A warm-up phase past its shortest length ends once no compilation has finished for this long. */
    static final long JIT_QUIET_NANOS = 500_000_000L;

    /** Longest warm-up phase, quiet JIT or not. */
    static final long WARMUP_MAX_NANOS = 30_000_000_000L;

    /** {@link OpProfile} phase names. */
    public static final String PREFILL = "prefill", DECODE = "decode";

    /**
     * What to run.
     *
     * @param promptTokens tokens prefilled in one call (≥ 1)
     * @param genTokens    tokens generated, the first one by the prefill (≥ 1)
     * @param warmupTokens decode steps before timing, at least (warm-up continues until {@link #WARMUP_NANOS}); 0 for none
     * @param seed         seed of the random prompt
     */
    public record Settings(int promptTokens, int genTokens, int warmupTokens, long seed) {
        public Settings {
            if (promptTokens < 1 || genTokens < 1 || warmupTokens < 0) {
                throw new IllegalArgumentException("prompt and generated tokens must be ≥ 1 and warm-up ≥ 0: "
                        + promptTokens + ", " + genTokens + ", " + warmupTokens);
            }
        }
    }

    /**
     * One measurement, of {@code batch} sequences decoded in lockstep (1: a single generation).
     *
     * @param promptTokens        tokens prefilled per sequence
     * @param decodeSteps         timed decode steps (tokens after the first, per sequence)
     * @param ttftNanos           the prefills and first samples of every sequence (time until each has its first token)
     * @param decodeNanos         all timed decode steps
     * @param weightBytesPerToken {@link #streamedBytes} of the weights: what one step reads, for the whole batch
     * @param dtype               matrix dtypes of the weights ({@link #describe})
     * @param batch               sequences per step
     */
    public record Result(int promptTokens, int decodeSteps, long ttftNanos, long decodeNanos, long weightBytesPerToken, String dtype, int batch) {
        /** Prompt tokens of all sequences per second of prefill. */
        public double prefillTokensPerSecond() { return (double) batch * promptTokens / (ttftNanos / 1e9); }

        /** Tokens of all sequences per second of decode. */
        public double decodeTokensPerSecond() { return (double) batch * decodeSteps / (decodeNanos / 1e9); }

        public double ttftMs() { return ttftNanos / 1e6; }

        /** Time per output token of one sequence: one decode step. */
        public double tpotMs() { return decodeNanos / 1e6 / decodeSteps; }

        /** Weight bytes streamed per second while decoding (once per step, whatever the batch). */
        public double decodeBytesPerSecond() { return weightBytesPerToken * (decodeSteps / (decodeNanos / 1e9)); }

        /** Decode's weight streaming as a percentage of {@code bandwidthBytesPerSecond} (NaN when that is NaN). */
        public double percentOf(double bandwidthBytesPerSecond) { return 100.0 * decodeBytesPerSecond() / bandwidthBytesPerSecond; }

        /** The memory roofline of decode, counting the weights only: {@code batch × bandwidth ÷ weight bytes}, tokens/s. */
        public double ceilingTokensPerSecond(double bandwidthBytesPerSecond) { return batch * bandwidthBytesPerSecond / weightBytesPerToken; }
    }

    /**
     * Measures {@code llama} (built from {@code weights} on its backend) at batch 1 through the host decode loop,
     * {@link BatchDecoder#of}; an {@link OpProfile} backend records the phases.
     *
     * @throws IllegalArgumentException if the prompt does not fit in the model's context
     */
    public static Result measure(Llama llama, Weights weights, Settings s) {
        return measure(BatchDecoder.of(llama), weights, s, 1, llama.backend() instanceof OpProfile p ? p : null);
    }

    /**
     * Positions one sequence of the benchmark needs: the prompt, the generated tokens and the warm-up, within the
     * model's context. A {@link BatchDecoder.Factory} with room for fewer cannot run {@code s}.
     */
    public static int capacity(ModelConfig c, Settings s) {
        return Math.min(c.seqLen(), s.promptTokens() + s.genTokens() + s.warmupTokens() + 1);
    }

    /**
     * Measures the decode loop {@code decoders} runs for a model of {@code weights} with {@code batch} sequences, each
     * with its own random prompt (greedy, so every implementation does the same work); {@code profile}, if not
     * {@code null}, records the timed prefill and decode phases.
     *
     * @throws IllegalArgumentException if the prompt does not fit in the model's context
     */
    public static Result measure(BatchDecoder.Factory decoders, Weights weights, Settings s, int batch, OpProfile profile) {
        warmUp(decoders, weights, s, batch);
        return timed(decoders, weights, s, batch, profile);
    }

    /**
     * The warm-up {@link #measure} runs before its timed loops, on caches of its own: prefills, then decode steps,
     * as the class comment says; once before several {@link #timed} runs ({@link #repeated}).
     *
     * @throws IllegalArgumentException if the prompt does not fit in the model's context
     */
    private static void warmUp(BatchDecoder.Factory decoders, Weights weights, Settings s, int batch) {
        int[][] prompts = prompts(weights.config(), s, batch);
        int ctx = capacity(weights.config(), s);
        Sampler greedy = Sampler.greedy();
        // at least two prefills, continued until PREFILL_WARMUP_NANOS: a small model's prefill is over in a few ms,
        // before the JIT has compiled its kernels (stories260K timed 32 tokens at 176-362 tokens/s after two).
        // Each generation's cache is given back as soon as it is done with: on a GPU it holds device memory
        long prefillStart = System.nanoTime();
        JitWatch jit = JitWatch.ofThisJvm();
        for (int i = 0; s.warmupTokens() > 0 && (i < 2 || warming(prefillStart, PREFILL_WARMUP_NANOS, jit)); i++) {
            try (BatchDecoder d = decoders.open(greedy, batch, ctx)) {
                d.prefill(0, prompts[0]);   // one sequence is enough to compile the prefill
            }
        }
        BatchDecoder warm = null;
        int[] toks = new int[batch];
        int pos = 0;
        // the clock starts after the prefills: prefill and decode run different kernels (tiled GEMM and
        // attention against the decode kernels), so a long prompt's prefills would otherwise use up the
        // decode warm-up and leave its kernels compiling during the timed steps
        long warmStart = System.nanoTime();
        try {
            // at least warmupTokens decode steps, and (when warming up at all) at least WARMUP_NANOS: a small
            // model's steps are so short that a fixed count ends before the JIT has compiled them
            for (int i = 0; i < s.warmupTokens() || s.warmupTokens() > 0 && warming(warmStart, WARMUP_NANOS, jit); i++) {
                if (warm == null || pos >= ctx) {
                    if (warm != null) warm.close();
                    warm = decoders.open(greedy, batch, ctx);
                    pos = Math.min(16, s.promptTokens());
                    for (int b = 0; b < batch; b++) toks[b] = warm.prefill(b, Arrays.copyOf(prompts[b], pos)).token();
                }
                toks = tokens(warm.next(toks));
                pos++;
            }
        } finally {
            if (warm != null) warm.close();
        }
    }

    /**
     * One timed prefill of every sequence and the decode steps after it, on a fresh cache, without warm-up (run
     * {@link #warmUp} first); {@code profile}, if not {@code null}, records the two phases.
     *
     * @throws IllegalArgumentException if the prompt does not fit in the model's context
     */
    private static Result timed(BatchDecoder.Factory decoders, Weights weights, Settings s, int batch, OpProfile profile) {
        int[][] prompts = prompts(weights.config(), s, batch);
        int ctx = capacity(weights.config(), s);
        Sampler greedy = Sampler.greedy();
        int[] toks = new int[batch];
        long ttft, decode;
        int steps = 0;
        try (BatchDecoder d = decoders.open(greedy, batch, ctx)) {
            if (profile != null) profile.phase(PREFILL);
            long t0 = System.nanoTime();
            for (int b = 0; b < batch; b++) toks[b] = d.prefill(b, prompts[b]).token();
            ttft = System.nanoTime() - t0;
            if (profile != null) profile.phase(DECODE);
            long t1 = System.nanoTime();
            for (int pos = s.promptTokens(); steps < s.genTokens() - 1 && pos < ctx; steps++, pos++) toks = tokens(d.next(toks));
            decode = System.nanoTime() - t1;
            if (profile != null) profile.stop();
        }
        return new Result(s.promptTokens(), steps, ttft, decode, streamedBytes(weights), describe(weights), batch);
    }

    /**
     * One timed run of {@link #repeated} and what was measured just before it.
     *
     * @param repeat which run of its series, from 0
     */
    public record Beside<M>(Result result, M before, int repeat) {}

    /**
     * Warms up once for {@code batch}, then times {@code repeats} runs, each right after {@code before} measures the
     * machine (its yardsticks, its load), so that a run and what it is divided by share the same minute of a machine
     * whose speed drifts. {@code profile}, if not {@code null}, records the first run only.
     *
     * @throws IllegalArgumentException if the prompt does not fit in the model's context or {@code repeats < 1}
     */
    public static <M> List<Beside<M>> repeated(BatchDecoder.Factory decoders, Weights weights, Settings s, int batch,
                                                         int repeats, Supplier<M> before, OpProfile profile) {
        if (repeats < 1) throw new IllegalArgumentException("repeats must be >= 1: " + repeats);
        warmUp(decoders, weights, s, batch);
        List<Beside<M>> runs = new ArrayList<>();
        for (int k = 0; k < repeats; k++) {
            M m = before.get();
            runs.add(new Beside<>(timed(decoders, weights, s, batch, k == 0 ? profile : null), m, k));
        }
        return runs;
    }

    /** The random prompts of {@code batch} sequences (the same for every call with these settings). */
    private static int[][] prompts(ModelConfig c, Settings s, int batch) {
        if (s.promptTokens() >= c.seqLen()) {
            throw new IllegalArgumentException("prompt of " + s.promptTokens() + " tokens does not fit the context of " + c.seqLen());
        }
        if (batch < 1) throw new IllegalArgumentException("batch must be >= 1: " + batch);
        SplittableRandom rnd = new SplittableRandom(s.seed());
        int[][] prompts = new int[batch][s.promptTokens()];
        // ids ≥ 3 skip <unk>, <s>, </s>; the values do not change the arithmetic
        for (int[] prompt : prompts) for (int i = 0; i < prompt.length; i++) prompt[i] = 3 + rnd.nextInt(Math.max(1, c.vocabSize() - 3));
        return prompts;
    }

    /** Whether a warm-up phase begun at {@code start} goes on: shorter than {@code min}, or the JIT still busy and shorter than the maximum. */
    private static boolean warming(long start, long min, JitWatch jit) {
        long elapsed = System.nanoTime() - start;
        boolean quiet = jit.quietFor(JIT_QUIET_NANOS);   // polled every iteration, so that it sees each compilation
        return elapsed < min || !quiet && elapsed < WARMUP_MAX_NANOS;
    }

    private static int[] tokens(Sampler.Sample[] picks) {
        int[] t = new int[picks.length];
        for (int i = 0; i < t.length; i++) t[i] = picks[i].token();
        return t;
    }

    /** Bytes decode reads per token: every tensor once (the embedding table only if it is also the classifier). */
    public static long streamedBytes(Weights w) {
        long s = 0;
        for (Tensor t : w.tensors().values()) {
            if (t.name().equals("tok_embeddings") && !w.config().tiedEmbeddings()) continue;
            s += t.byteSize();
        }
        return s;
    }

    /** The dtypes of the weight matrices joined by {@code +}, e.g. {@code F16+Q4_0}. */
    public static String describe(Weights w) {
        Map<DType, Long> bytes = new TreeMap<>();
        for (Tensor t : w.tensors().values()) if (t.rank() == 2) bytes.merge(t.dtype(), t.byteSize(), Long::sum);
        StringBuilder sb = new StringBuilder();
        bytes.forEach((k, v) -> sb.append(sb.isEmpty() ? "" : "+").append(k));
        return sb.toString();
    }
}
