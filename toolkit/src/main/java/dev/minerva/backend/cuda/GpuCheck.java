package dev.minerva.backend.cuda;

import dev.minerva.backend.AttentionMask;
import dev.minerva.backend.CpuBackend;
import dev.minerva.backend.cuda.reference.TopKTopPReference;
import dev.minerva.engine.Batch;
import dev.minerva.engine.DenseKvCache;
import dev.minerva.engine.ForwardHooks;
import dev.minerva.engine.Generator;
import dev.minerva.engine.Sampler;
import dev.minerva.model.Llama;
import dev.minerva.model.LoadedModel;
import dev.minerva.model.ModelConfig;
import dev.minerva.model.ModelLoader;
import dev.minerva.model.ModelPresets;
import dev.minerva.model.RandomWeights;
import dev.minerva.tensor.DType;
import dev.minerva.tensor.Tensor;
import dev.minerva.tensor.TensorCodec;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

/**
 * What a session with a lent GPU runs ({@code minerva gpu-check}), in three parts:
 * <ol>
 * <li><b>Conformance</b>: every {@link CudaBackend} op against the {@link CpuBackend} (and, for matmul,
 *     a float64 reference of the dequantised weights) on fresh random inputs, device outputs poisoned
 *     with NaN before each run; tolerances by dtype (relative L2: f32 paths 1e-5, f16/bf16 activations on
 *     tensor cores 1e-2); argmax and the device sampler token for token against the Java references;
 *     stories260K greedy output identical to the CPU engine's.</li>
 * <li><b>Micro-benchmarks</b>, timed with CUDA events (warm-up, median of N): device copy bandwidth, GEMV
 *     per dtype in GB/s and % of copy bandwidth, prefill GEMM TFLOP/s, attention decode/prefill, and a
 *     captured CUDA graph of a decode layer's launches against the same launches issued one by one.</li>
 * <li><b>End to end</b>: TinyLlama-1.1B-shaped random weights, decode tokens/s at batch 1, 8, 32, 128
 *     for F16 and Q8_0, and prefill-512 time to first token.</li>
 * </ol>
 */
public final class GpuCheck {

    /**
     * @param seed       random inputs
     * @param repeats    timed repetitions per benchmark (median reported)
     * @param benchmarks run part 2
     * @param endToEnd   run part 3
     * @param storiesDir folder with stories260K.bin and tok512.bin, or null to skip that check
     * @param sourceCommit the commit the code was built from when git cannot tell (GPU machines), or null
     * @param timeLimitS seconds after which what is left is skipped (an info row each) and the run ends; 0: none
     */
    public record Config(long seed, int repeats, boolean benchmarks, boolean endToEnd, Path storiesDir, String sourceCommit, int timeLimitS) {}

    /** One line of the report (and of results.csv). {@code status}: pass, FAIL, info. */
    public record Row(String section, String name, String dtype, String shape, double value, String unit,
                      double limit, String status, String detail) {}

    private final Config config;
    private final CudaBackend gpu;
    private final CpuBackend cpu;
    private final CudaContext ctx;
    private final Random rnd;
    private final PrintStream log;
    private final List<Row> rows = new ArrayList<>();
    private double copyGbs = Double.NaN;
    private final long deadline;           // System.nanoTime() past which work is skipped; Long.MAX_VALUE: none

    public GpuCheck(Config config, CudaBackend gpu, PrintStream log) {
        this.config = config;
        this.gpu = gpu;
        this.ctx = gpu.context();
        this.cpu = new CpuBackend();
        this.rnd = new Random(config.seed());
        this.log = log;
        this.deadline = config.timeLimitS() > 0 ? System.nanoTime() + config.timeLimitS() * 1_000_000_000L : Long.MAX_VALUE;
    }

    /**
     * Whether the time limit has passed; if so, {@code what} gets an info row saying it was skipped. Checked between
     * sections and between the end-to-end runs, so that a run cut short still prints its table and records its rows,
     * where the session script's hard timeout would lose them.
     */
    private boolean outOfTime(String section, String what) {
        if (System.nanoTime() < deadline) return false;
        add(section, what, "-", "-", Double.NaN, "-", Double.NaN, "info", "skipped: gpu-check --time-limit " + config.timeLimitS() + " s reached");
        return true;
    }

    /** Runs every enabled part; returns all rows (failures have status FAIL). */
    public List<Row> run() {
        ctx.modules().loadAll();
        try (Arena arena = Arena.ofShared()) {
            section("conformance", () -> conformance(arena));
            if (config.storiesDir() != null) section("stories260k", this::stories260k);
            if (config.benchmarks()) section("bench", () -> benchmarks(arena));
            if (config.endToEnd()) section("e2e", this::endToEnd);
        } finally {
            cpu.close();
        }
        return rows;
    }

    private void section(String name, Runnable body) {
        if (outOfTime(name, "section")) return;
        log.println("== " + name);
        try {
            body.run();
        } catch (RuntimeException e) {
            add(name, "section aborted", "-", "-", Double.NaN, "-", Double.NaN, "FAIL", e.toString());
        }
    }

    /**
     * Runs {@code body} once per tensor-core GEMM version with the backend switched to it. A version that throws
     * (a launch the GPU refuses, say) gets a FAIL row instead of ending its section, and the configured version is
     * restored afterwards.
     */
    private void eachGemm(String section, String what, Consumer<TensorCoreGemm> body) {
        for (TensorCoreGemm g : TensorCoreGemm.values()) {
            with(g, gpu::gemmVersion, gpu::useGemm, () -> {
                try {
                    body.accept(g);
                } catch (RuntimeException e) {
                    add(section, what + ", gemm " + g, "-", "-", Double.NaN, "-", Double.NaN, "FAIL", e.toString());
                }
            });
        }
    }

    /** Runs {@code body} with the decode GEMVs switched to version {@code g}, then restores the configured one. */
    private void withGemv(GemvKernel g, Runnable body) { with(g, gpu::gemvVersion, gpu::useGemv, body); }

    /** Runs {@code body} with the backend setting read by {@code get} and written by {@code set} at {@code value}, then restores it. */
    private static <T> void with(T value, java.util.function.Supplier<T> get, Consumer<T> set, Runnable body) {
        T configured = get.get();
        set.accept(value);
        try {
            body.run();
        } finally {
            set.accept(configured);
        }
    }

    /** The GEMV path's name in a row: "gemv v1", "gemv v4", "gemv dp4a", "gemv auto" (the configured choice). */
    private String gemvPath() { return "gemv " + gpu.gemvVersion(); }

    /** The GEMV versions that differ for weights in {@code dt}: dp4a only for Q8_0 and Q4_0, none for F32 (one kernel). */
    private static List<GemvKernel> gemvVersions(DType dt) {
        return switch (dt) {
            case F32 -> List.of(GemvKernel.AUTO);
            case Q8_0, Q4_0 -> List.of(GemvKernel.V1, GemvKernel.V4, GemvKernel.DP4A);
            default -> List.of(GemvKernel.V1, GemvKernel.V4);
        };
    }

    /** Whether the configured GEMV version multiplies Q8_0-quantised activations for these rows and weights. */
    private boolean quantisedActivations(int rows, DType dt) {
        return rows < gpu.gemmMinRows() && GemvKernel.DP4A_INFIX.equals(gpu.gemvVersion().infix(rows, dt));
    }

    /** {@code x} rounded through Q8_0 as the CPU backend and {@code quantize_q8_f32} quantise activations. */
    private static float[] q8RoundTrip(float[] x) {
        byte[] q = new byte[x.length];
        float[] scales = new float[x.length / 32], out = new float[x.length];
        dev.minerva.tensor.Q8_0Codec.quantize(x, 0, x.length, q, scales);
        dev.minerva.tensor.Q8_0Codec.dequantize(q, scales, 0, x.length, out);
        return out;
    }

    /** Runs {@code body} with the GEMV/GEMM crossover moved to {@code rows}, then restores it. */
    private void withGemmMinRows(int rows, Runnable body) { with(rows, gpu::gemmMinRows, gpu::useGemmMinRows, body); }

    private void add(String section, String name, String dtype, String shape, double value, String unit, double limit, String status, String detail) {
        Row r = new Row(section, name, dtype, shape, value, unit, limit, status, detail);
        rows.add(r);
        log.printf("  %-5s %-34s %-6s %-22s %12.4g %-8s %s%n", status, name, dtype, shape, value, unit, detail == null ? "" : detail);
    }

    private void check(String name, String dtype, String shape, double relErr, double tol, String detail) {
        add("conformance", name, dtype, shape, relErr, "rel-err", tol, relErr <= tol ? "pass" : "FAIL", detail);
    }

    // ============================================================== helpers

    private float[] randn(int n, double sd) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (rnd.nextGaussian() * sd);
        return a;
    }

    private Tensor dev(String name, float[] v, long... shape) {
        Tensor t = gpu.allocate(name, shape);
        gpu.write(t, v);
        return t;
    }

    /** A device tensor filled with NaN: anything the kernel fails to write shows. */
    private Tensor poisoned(String name, long... shape) {
        Tensor t = gpu.allocate(name, shape);
        ctx.fill32(gpu.buffer(t), 0, t.numel(), 0x7fc00000, name + " poison");
        return t;
    }

    /** Relative L2 error; +inf if any element is NaN (unwritten or broken). */
    static double relErr(float[] ref, float[] got) {
        if (ref.length != got.length) return Double.POSITIVE_INFINITY;
        double num = 0, den = 0;
        for (int i = 0; i < ref.length; i++) {
            if (Float.isNaN(got[i])) return Double.POSITIVE_INFINITY;
            double d = (double) got[i] - ref[i];
            num += d * d;
            den += (double) ref[i] * ref[i];
        }
        return Math.sqrt(num / Math.max(den, 1e-300));
    }

    static double relErr(double[] ref, float[] got) {
        double num = 0, den = 0;
        for (int i = 0; i < ref.length; i++) {
            if (Float.isNaN(got[i])) return Double.POSITIVE_INFINITY;
            double d = got[i] - ref[i];
            num += d * d;
            den += ref[i] * ref[i];
        }
        return Math.sqrt(num / Math.max(den, 1e-300));
    }

    static String firstDiff(float[] ref, float[] got) {
        int worst = -1;
        double wd = -1;
        for (int i = 0; i < Math.min(ref.length, got.length); i++) {
            double d = Float.isNaN(got[i]) ? Double.POSITIVE_INFINITY : Math.abs(got[i] - ref[i]);
            if (d > wd) { wd = d; worst = i; }
        }
        return worst < 0 ? "" : "worst [" + worst + "] ref " + ref[worst] + " got " + got[worst];
    }

    private void free(Tensor... ts) { for (Tensor t : ts) gpu.free(t); }

    // ============================================================== part 1: conformance

    private void conformance(Arena arena) {
        embeddingConformance(arena);
        rmsnormConformance();
        for (DType dt : DType.values()) {
            for (int T : new int[]{1, 3, 8, 32, 70}) {
                if (T < gpu.gemmMinRows() && T <= GemvKernel.V4_MAX_ROWS) {
                    for (GemvKernel v : gemvVersions(dt)) withGemv(v, () -> matmulConformance(arena, dt, T, 768, 2048));
                } else {
                    matmulConformance(arena, dt, T, 768, 2048);
                }
                // the GEMV kernels' batch buckets that the GEMM now serves by default are still reachable: check them too
                if (T <= 32 && T >= gpu.gemmMinRows()) withGemmMinRows(Integer.MAX_VALUE, () -> matmulConformance(arena, dt, T, 768, 2048));
            }
        }
        matmulConformance(arena, DType.F32, 2, 100, 172);   // odd width: generic kernels
        matmulConformance(arena, DType.F16, 5, 100, 172);
        for (DType dt : new DType[]{DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0}) {
            for (int nb : new int[]{1, 3, 8}) {
                for (GemvKernel v : gemvVersions(dt)) withGemv(v, () -> fusedGemvConformance(arena, dt, nb));
                layerConformance(arena, dt, nb);
            }
        }
        matmulConformance(arena, DType.F16, 200, 101, 160);   // tensor cores: ragged tiles in M and N, odd N, 5 k-tiles
        matmulConformance(arena, DType.BF16, 129, 64, 32);    // one row past a v2 tile, a single k-tile
        ropeConformance();
        for (int[] a : new int[][]{{32, 4, 64, 1}, {32, 4, 64, 100}, {32, 4, 64, 1500}, {8, 8, 128, 700}, {8, 2, 32, 33}}) {
            attentionConformance(a[0], a[1], a[2], 1, a[3]);
        }
        attentionConformance(32, 4, 64, 37, 57);     // prefill
        attentionConformance(8, 8, 128, 20, 20);
        attentionConformance(8, 2, 32, 17, 40);      // head size 32, past keys
        attentionConformance(16, 2, 128, 150, 170);  // several 64-row blocks and 64-key tiles of v2
        attentionConformance(32, 4, 64, 200, 260);   // TinyLlama's heads, ragged last block
        attentionConformance(8, 4, 8, 1, 40);        // stories260K head size: naive kernel
        attentionConformance(8, 4, 8, 9, 40);
        // tree verification (speculative / Medusa): the masked kernel
        AttentionMask tree = new dev.minerva.engine.TreeMask(new int[]{-1, 0, 0, 1, 2, 2, -1});
        attentionConformance(32, 4, 64, 7, 100, tree);
        attentionConformance(8, 4, 8, 7, 40, tree);
        boolean[][] see = new boolean[5][70];
        for (int r = 0; r < 5; r++) for (int j = 0; j < 70; j++) see[r][j] = r != 2 && (j * 7 + r) % 3 != 0;   // row 2 sees nothing
        attentionConformance(16, 16, 64, 5, 70, new AttentionMask() {
            @Override public boolean visible(int row, int rows, int slot, int kvLength) { return see[row][slot]; }
            @Override public String toString() { return "sparse, one row masked out"; }
        });
        elementwiseConformance();
        samplingConformance();
    }

    private void embeddingConformance(Arena arena) {
        int vocab = 300, dim = 256;
        Tensor f32 = Tensor.ofF32("table", randn(vocab * dim, 1.0), vocab, dim);
        int[] tokens = {0, 299, 17, 17, 150};
        for (DType dt : DType.values()) {
            Tensor table = dt == DType.F32 ? f32 : TensorCodec.convert(f32, dt, arena);
            Tensor ref = cpu.allocate("ref", tokens.length, dim);
            cpu.embedding(ref, table, tokens);
            Tensor dt_ = gpu.load(table), out = poisoned("emb", tokens.length, dim);
            gpu.embedding(out, dt_, tokens);
            float[] got = gpu.read(out);
            check("embedding", dt.name(), vocab + "x" + dim, relErr(ref.heapFloats(), got), 1e-6, firstDiff(ref.heapFloats(), got));
            free(dt_, out);
        }
    }

    private void rmsnormConformance() {
        int rowsN = 5, dim = 2048;
        float[] x = randn(rowsN * dim, 2.0), w = randn(dim, 1.0);
        Tensor rx = Tensor.ofF32("x", x.clone(), rowsN, dim), rw = Tensor.ofF32("w", w.clone(), dim), ro = cpu.allocate("o", rowsN, dim);
        cpu.rmsnorm(ro, rx, rw, 1e-5f);
        Tensor gx = dev("x", x, rowsN, dim), gw = gpu.load(Tensor.ofF32("w", w, dim)), go = poisoned("o", rowsN, dim);
        gpu.rmsnorm(go, gx, gw, 1e-5f);
        float[] got = gpu.read(go);
        check("rmsnorm", "F32", rowsN + "x" + dim, relErr(ro.heapFloats(), got), 1e-5, firstDiff(ro.heapFloats(), got));
        gpu.rmsnorm(gx, gx, gw, 1e-5f);                  // in place, as the final norm runs
        got = gpu.read(gx);
        check("rmsnorm in place", "F32", rowsN + "x" + dim, relErr(ro.heapFloats(), got), 1e-5, firstDiff(ro.heapFloats(), got));
        free(gx, gw, go);
    }

    private void matmulConformance(Arena arena, DType dt, int T, int n, int K) {
        if (dt.isQuantized() && K % 32 != 0) return;
        Tensor w32 = Tensor.ofF32("w", randn(n * K, 0.05), n, K);
        Tensor w = dt == DType.F32 ? w32 : TensorCodec.convert(w32, dt, arena);
        float[] wf = TensorCodec.toFloats(w);                 // the exact weights both backends multiply by
        float[] x = randn(T * K, 1.0);
        boolean qx = quantisedActivations(T, dt) && K % 32 == 0;
        double[] exact = exactMatmul(wf, qx ? q8RoundTrip(x) : x, T, n, K);   // dp4a: the product of what it multiplies
        Tensor ro = cpu.allocate("o", T, n);
        cpu.matmul(ro, Tensor.ofF32("x", x.clone(), T, K), w);
        Tensor gw = gpu.load(w), gx = dev("x", x, T, K);
        boolean tensorCores = T >= gpu.gemmMinRows() && dt != DType.F32 && K % 32 == 0;
        // every tensor-core GEMM version, each on a freshly poisoned output
        Consumer<TensorCoreGemm> run = g -> {
            Tensor go = poisoned("o", T, n);
            gpu.matmul(go, gx, gw);
            float[] got = gpu.read(go);
            double tol = tensorCores ? 1e-2 : 1e-5;
            String path = tensorCores ? "gemm " + g + " (tensor cores)" : K % 32 != 0 ? "gemv generic" : dt == DType.F32 ? "gemv" : gemvPath();
            check("matmul " + path + " vs float64", dt.name(), T + "x" + n + "x" + K, relErr(exact, got), tol, firstDiff(toF(exact), got));
            // the CPU quantises activations to Q8_0 for Q8_0/Q4_0 weights: loose, except against dp4a, which does too
            double cpuTol = qx ? 1e-5 : dt.isQuantized() ? 2e-2 : tensorCores ? 1e-2 : 1e-5;
            check("matmul " + path + " vs cpu", dt.name(), T + "x" + n + "x" + K, relErr(ro.heapFloats(), got), cpuTol, "");
            free(go);
        };
        if (tensorCores) eachGemm("conformance", "matmul " + dt + " " + T + "x" + n + "x" + K, run);
        else run.accept(gpu.gemmVersion());
        free(gw, gx);
    }

    /** The fused step's GEMVs against float64 on the stored weights: gemv3 (wq/wk/wv shapes) and gemv_swiglu (w1/w3). */
    private void fusedGemvConformance(Arena arena, DType dt, int nb) {
        // TinyLlama-like proportions, small; 130 and 1377 rows leave the last 4-row block of a matrix part-empty
        int K = 512, rq = 512, rkv = 130, hidden = 1377;
        Tensor[] w = new Tensor[5];
        float[][] wf = new float[5][];
        int[] rows = {rq, rkv, rkv, hidden, hidden};
        for (int i = 0; i < 5; i++) {
            w[i] = TensorCodec.convert(Tensor.ofF32("w" + i, randn(rows[i] * K, 0.05), rows[i], K), dt, arena);
            wf[i] = TensorCodec.toFloats(w[i]);
        }
        float[] x = randn(nb * K, 1.0);
        float[] xr = quantisedActivations(nb, dt) ? q8RoundTrip(x) : x;   // dp4a: the product of what it multiplies
        double[][] exact = new double[5][];
        for (int i = 0; i < 5; i++) exact[i] = exactMatmul(wf[i], xr, nb, rows[i], K);
        Tensor[] g = new Tensor[5];
        for (int i = 0; i < 5; i++) g[i] = gpu.load(w[i]);
        Tensor gx = dev("x", x, nb, K), y0 = poisoned("y0", nb, rq), y1 = poisoned("y1", nb, rkv), y2 = poisoned("y2", nb, rkv), h = poisoned("h", nb, hidden);
        gpu.gemv3(gpu.buffer(gx).pointer(), g[0], g[1], g[2], gpu.buffer(y0).pointer(), gpu.buffer(y1).pointer(), gpu.buffer(y2).pointer(), nb, K);
        gpu.gemvSwiglu(gpu.buffer(gx).pointer(), g[3], g[4], gpu.buffer(h).pointer(), nb, K);
        Tensor[] ys = {y0, y1, y2};
        for (int i = 0; i < 3; i++) {
            float[] got = gpu.read(ys[i]);
            check(gemvPath().replace("gemv", "gemv3") + " (fused step) matrix " + i + " vs float64", dt.name(), nb + "x" + rows[i] + "x" + K, relErr(exact[i], got), 1e-5, firstDiff(toF(exact[i]), got));
        }
        double[] swiglu = new double[nb * hidden];
        for (int j = 0; j < swiglu.length; j++) {
            double gate = exact[3][j];
            swiglu[j] = gate / (1 + Math.exp(-gate)) * exact[4][j];
        }
        float[] got = gpu.read(h);
        check(gemvPath().replace("gemv", "gemv_swiglu") + " (fused step) vs float64", dt.name(), nb + "x" + hidden + "x" + K, relErr(swiglu, got), 1e-5, firstDiff(toF(swiglu), got));
        free(g);
        free(gx, y0, y1, y2, h);
    }

    /**
     * layer.cu (the lean step's kernels) against float64 products of the stored weights and the CPU backend's rmsnorm
     * (and, for q and k, its rope): qkv_rope (norm, wq/wk/wv, RoPE, the cache rows at scattered slots and positions,
     * nothing else written), swiglu_norm, residual (w2 shape) and norm_gemv. Q8_0 and Q4_0 (dp4a): the reference
     * multiplies the Q8_0-rounded norm values; the GPU's norm sums in another order, so a value on a rounding tie may
     * quantise one step apart (about 3e-4 of a dot product each): 1e-3 there, 1e-5 otherwise.
     */
    private void layerConformance(Arena arena, DType dt, int nb) {
        // 1377 w1/w3 rows leave the last row-block part-empty; w2 reads 1376 columns (layer.cu needs K % 32 == 0)
        int K = 512, hd = 64, rq = 8 * hd, rkv = 2 * hd, hidden = 1377, k2 = 1376, cap = 16, nSlots = 8;
        float eps = 1e-5f;
        boolean q8x = dt == DType.Q8_0 || dt == DType.Q4_0;   // dp4a: Q8_0 activations
        double tol = q8x ? 1e-3 : 1e-5;
        LayerKernels layer = new LayerKernels(gpu, 0, false, true);   // with the L2 prefetch: it must change nothing
        int[] rows = {rq, rkv, rkv, hidden, hidden, K}, cols = {K, K, K, K, K, k2};   // wq wk wv w1 w3 w2
        Tensor[] w = new Tensor[6];
        float[][] wf = new float[6][];
        for (int i = 0; i < 6; i++) {
            Tensor host = TensorCodec.convert(Tensor.ofF32("w" + i, randn(rows[i] * cols[i], 0.05), rows[i], cols[i]), dt, arena);
            wf[i] = TensorCodec.toFloats(host);
            w[i] = gpu.load(host);
        }
        float[] x = randn(nb * K, 1.0), g = new float[K];
        for (int i = 0; i < K; i++) g[i] = (float) (1 + 0.1 * rnd.nextGaussian());
        Tensor rn = cpu.allocate("xn", nb, K);                // the CPU engine's norm: what the prologues stage
        cpu.rmsnorm(rn, Tensor.ofF32("x", x.clone(), nb, K), Tensor.ofF32("g", g.clone(), K), eps);
        float[] xr = q8x ? q8RoundTrip(rn.heapFloats()) : rn.heapFloats();
        int[] pos = Arrays.copyOf(new int[]{3, 0, 11, 7, 1, 15, 9, 4}, nb), slots = Arrays.copyOf(new int[]{5, 2, 0, 7, 1, 3, 6, 4}, nb);
        float[] invFreq = new float[hd / 2];
        for (int i = 0; i < hd / 2; i++) invFreq[i] = (float) Math.pow(10000.0, -2.0 * i / hd);
        // q and k: the float64 products rotated by the CPU backend's rope at each row's position
        Tensor rq32 = Tensor.ofF32("q", toF(exactMatmul(wf[0], xr, nb, rq, K)), nb, rq), rk32 = Tensor.ofF32("k", toF(exactMatmul(wf[1], xr, nb, rkv, K)), nb, rkv);
        cpu.rope(rq32, pos, hd, invFreq);
        cpu.rope(rk32, pos, hd, invFreq);
        float[] q = rq32.heapFloats(), k = rk32.heapFloats();
        double[] v = exactMatmul(wf[2], xr, nb, rkv, K);
        DeviceMemoryPool pool = ctx.pool();
        DeviceBuffer dPos = pool.allocate(4L * nb, "pos"), dSlots = pool.allocate(4L * nb, "slots"), dFreq = pool.allocate(4L * invFreq.length, "inv_freq");
        ctx.upload(dPos, 0, pos, "pos");
        ctx.upload(dSlots, 0, slots, "slots");
        ctx.upload(dFreq, 0, invFreq, 0, invFreq.length, "inv_freq");
        Tensor gx = dev("x", x, nb, K), gg = dev("g", g, K), gq = poisoned("q", nb, rq);
        Tensor kc = poisoned("kcache", nSlots * cap, rkv), vc = poisoned("vcache", nSlots * cap, rkv);
        layer.qkvRope(gpu.buffer(gx).pointer(), gg, eps, w[0], w[1], w[2], gpu.buffer(gq).pointer(), gpu.buffer(kc).pointer(),
                gpu.buffer(vc).pointer(), dPos, dSlots, (long) cap * rkv, dFreq, nb, K, hd);
        String shape = nb + "x" + rq + "/" + rkv + "x" + K;
        float[] gotQ = gpu.read(gq);
        check("qkv_rope q (lean step) vs float64 + cpu rope", dt.name(), shape, relErr(q, gotQ), tol, firstDiff(q, gotQ));
        float[][] caches = {gpu.read(kc), gpu.read(vc)};
        float[][] want = {k, toF(v)};
        for (int m = 0; m < 2; m++) {
            float[] got = new float[nb * rkv];
            int stray = 0;
            for (int i = 0; i < caches[m].length; i++) {
                int row = i / rkv, slot = row / cap, p = row % cap, b = -1;
                for (int j = 0; j < nb; j++) if (slots[j] == slot && pos[j] == p) b = j;
                if (b >= 0) got[b * rkv + i % rkv] = caches[m][i];
                else if (!Float.isNaN(caches[m][i])) stray++;
            }
            double err = stray > 0 ? Double.POSITIVE_INFINITY : relErr(want[m], got);
            check("qkv_rope " + (m == 0 ? "k cache rows (lean step) vs float64 + cpu rope" : "v cache rows (lean step) vs float64"), dt.name(), shape,
                    err, tol, stray > 0 ? stray + " values written outside the (slot, pos) rows" : firstDiff(want[m], got));
        }
        // swiglu_norm on w1/w3, norm_gemv on w1, residual on w2
        double[] g1 = exactMatmul(wf[3], xr, nb, hidden, K), u3 = exactMatmul(wf[4], xr, nb, hidden, K), h = new double[g1.length];
        for (int j = 0; j < h.length; j++) h[j] = g1[j] / (1 + Math.exp(-g1[j])) * u3[j];
        Tensor gh = poisoned("h", nb, hidden), gy = poisoned("y", nb, hidden);
        layer.swigluNorm(gpu.buffer(gx).pointer(), gg, eps, w[3], w[4], gpu.buffer(gh).pointer(), nb, K);
        layer.normGemv(gpu.buffer(gx).pointer(), gg, eps, w[3], gpu.buffer(gy).pointer(), nb, K);
        float[] gotH = gpu.read(gh), gotY = gpu.read(gy);
        check("swiglu_norm (lean step) vs float64", dt.name(), nb + "x" + hidden + "x" + K, relErr(h, gotH), tol, firstDiff(toF(h), gotH));
        check("norm_gemv (lean step) vs float64", dt.name(), nb + "x" + hidden + "x" + K, relErr(g1, gotY), tol, firstDiff(toF(g1), gotY));
        float[] hb = randn(nb * k2, 1.0), y0 = randn(nb * K, 1.0);
        float[] hr = q8x ? q8RoundTrip(hb) : hb;
        double[] res = exactMatmul(wf[5], hr, nb, K, k2);
        for (int j = 0; j < res.length; j++) res[j] += y0[j];
        Tensor ghb = dev("hb", hb, nb, k2), gres = dev("y0", y0, nb, K);
        layer.residual(gpu.buffer(ghb).pointer(), w[5], gpu.buffer(gres).pointer(), nb, k2);
        float[] gotR = gpu.read(gres);
        check("residual (lean step) vs float64", dt.name(), nb + "x" + K + "x" + k2, relErr(res, gotR), tol, firstDiff(toF(res), gotR));
        free(w);
        free(gx, gg, gq, kc, vc, gh, gy, ghb, gres);
        for (DeviceBuffer d : new DeviceBuffer[]{dPos, dSlots, dFreq}) pool.free(d);
    }

    /** (T, n) = x (T, K) . w (n, K)^T in float64: the reference every matmul check compares with. */
    private static double[] exactMatmul(float[] w, float[] x, int T, int n, int K) {
        double[] exact = new double[T * n];
        for (int t = 0; t < T; t++)
            for (int o = 0; o < n; o++) {
                double s = 0;
                for (int k = 0; k < K; k++) s += (double) w[o * K + k] * x[t * K + k];
                exact[t * n + o] = s;
            }
        return exact;
    }

    private static float[] toF(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
        return f;
    }

    private void ropeConformance() {
        int T = 6, heads = 32, hs = 64;
        float[] x = randn(T * heads * hs, 1.0);
        int[] pos = {0, 1, 17, 511, 2047, 4000};
        float[] inv = new float[hs / 2];
        for (int i = 0; i < inv.length; i++) inv[i] = (float) (1.0 / Math.pow(10000.0, 2.0 * i / hs));
        Tensor rx = Tensor.ofF32("x", x.clone(), T, heads * hs);
        cpu.rope(rx, pos, hs, inv);
        Tensor gx = dev("x", x, T, heads * hs);
        gpu.rope(gx, pos, hs, inv);
        float[] got = gpu.read(gx);
        check("rope (positions to 4000)", "F32", T + "x" + heads + "x" + hs, relErr(rx.heapFloats(), got), 1e-5, firstDiff(rx.heapFloats(), got));
        free(gx);
    }

    private void attentionConformance(int nHeads, int nKv, int hs, int rowsN, int kvLength) {
        attentionConformance(nHeads, nKv, hs, rowsN, kvLength, AttentionMask.CAUSAL);
    }

    private void attentionConformance(int nHeads, int nKv, int hs, int rowsN, int kvLength, AttentionMask mask) {
        int dim = nHeads * hs, kvDim = nKv * hs, cap = Math.max(kvLength, 64), T = rowsN + 3, rowStart = 2;
        float[] q = randn(T * dim, 1.0), k = randn(cap * kvDim, 1.0), v = randn(cap * kvDim, 1.0);
        Tensor ro = cpu.allocate("o", T, dim);
        cpu.attention(ro, Tensor.ofF32("q", q.clone(), T, dim), rowStart, rowsN, Tensor.ofF32("k", k.clone(), cap, kvDim),
                Tensor.ofF32("v", v.clone(), cap, kvDim), kvLength, mask, nHeads, nKv, hs);
        Tensor gq = dev("q", q, T, dim), gk = dev("k", k, cap, kvDim), gv = dev("v", v, cap, kvDim);
        float[] want = Arrays.copyOfRange(ro.heapFloats(), rowStart * dim, (rowStart + rowsN) * dim);
        boolean flash = mask.isCausal() && rowsN > 1 && (hs == 32 || hs == 64 || hs == 128);
        String shape = "h" + nHeads + "/" + nKv + " hd" + hs + " rows" + rowsN + " kv" + kvLength;
        for (PrefillAttention a : flash ? PrefillAttention.values() : new PrefillAttention[]{gpu.prefillAttentionVersion()}) {
            with(a, gpu::prefillAttentionVersion, gpu::usePrefillAttention, () -> {
                Tensor go = poisoned("o", T, dim);
                gpu.attention(go, gq, rowStart, rowsN, gk, gv, kvLength, mask, nHeads, nKv, hs);
                float[] got = gpu.read(go, rowStart, rowsN);
                String kind = !mask.isCausal() ? "masked (" + mask + ")"
                        : flash ? "prefill flash " + a : (hs == 32 || hs == 64 || hs == 128) ? "decode split-KV" : "naive";
                check("attention " + kind, "F32", shape, relErr(want, got), flash ? a.tolerance : 1e-5, firstDiff(want, got));
                free(go);
            });
        }
        free(gq, gk, gv);
    }

    private void elementwiseConformance() {
        int n = 5632 * 3 + 5;   // odd length: float4 body and scalar tail
        float[] a = randn(n, 2.0), b = randn(n, 1.0);
        Tensor ca = Tensor.ofF32("a", a.clone(), 1, n), cb = Tensor.ofF32("b", b.clone(), 1, n);
        cpu.siluMul(ca, cb);
        Tensor ga = dev("a", a, 1, n), gb = dev("b", b, 1, n);
        gpu.siluMul(ga, gb);
        float[] got = gpu.read(ga);
        check("siluMul", "F32", "1x" + n, relErr(ca.heapFloats(), got), 1e-5, firstDiff(ca.heapFloats(), got));
        Tensor ca2 = Tensor.ofF32("a", a.clone(), 1, n);
        cpu.add(ca2, cb);
        gpu.write(ga, a);
        gpu.add(ga, gb);
        got = gpu.read(ga);
        check("add", "F32", "1x" + n, relErr(ca2.heapFloats(), got), 1e-6, firstDiff(ca2.heapFloats(), got));
        Tensor dst = poisoned("dst", 10, 64), src = dev("src", randn(6 * 64, 1.0), 6, 64);
        gpu.copyRows(dst, 3, src, 1, 4);
        float[] d = gpu.read(dst, 3, 4), s = gpu.read(src, 1, 4);
        check("copyRows", "F32", "4x64", relErr(s, d), 0, "");
        free(ga, gb, dst, src);
    }

    private void samplingConformance() {
        int rowsN = 4, vocab = 32000;
        float[] logits = randn(rowsN * vocab, 3.0);
        logits[vocab + 123] = logits[vocab + 77] = 50f;           // a tie in row 1: the smaller index wins
        Tensor gl = dev("logits", logits, rowsN, vocab);
        DeviceBuffer tok = ctx.pool().allocate(4L * rowsN, "tokens"), prob = ctx.pool().allocate(4L * rowsN, "probs");
        ctx.kernel("sample", "argmax_f32").launch1d(ctx.stream(), rowsN, 1024, gpu.buffer(gl), vocab, tok);
        int[] got = new int[rowsN];
        ctx.download(got, tok, 0, "argmax tokens");
        int bad = 0;
        StringBuilder sb = new StringBuilder();
        for (int r = 0; r < rowsN; r++) {
            int best = 0;
            for (int i = 1; i < vocab; i++) if (logits[r * vocab + i] > logits[r * vocab + best]) best = i;
            if (best != got[r]) { bad++; sb.append("row ").append(r).append(" want ").append(best).append(" got ").append(got[r]).append("; "); }
        }
        add("conformance", "argmax (ties -> smallest index)", "F32", rowsN + "x" + vocab, bad, "mismatches", 0, bad == 0 ? "pass" : "FAIL", sb.toString());

        long seed = config.seed(), counter = 1000;
        DeviceBuffer rng = ctx.pool().allocate(16, "rng state");
        ctx.upload(rng, 0, new byte[16], "rng zero");
        jcuda.driver.JCudaDriver.cuMemcpyHtoD(rng.pointer(), jcuda.Pointer.to(new long[]{seed, counter}), 16);
        float temp = 0.8f, topP = 0.9f;
        int topK = 40;
        ctx.kernel("sample", "sample_topkp_f32").launch1d(ctx.stream(), rowsN, 1024, gpu.buffer(gl), vocab, temp, topK, topP, rng, tok, prob);
        ctx.download(got, tok, 0, "sampled tokens");
        float[] p = new float[rowsN];
        ctx.download(p, 0, prob, 0, rowsN, "sampled probabilities");
        bad = 0;
        sb.setLength(0);
        for (int r = 0; r < rowsN; r++) {
            TopKTopPReference.Draw d = TopKTopPReference.sample(Arrays.copyOfRange(logits, r * vocab, (r + 1) * vocab), temp, topK, topP, seed, counter, r);
            if (d.token() != got[r] || Math.abs(d.probability() - p[r]) > 1e-4f * Math.max(1f, d.probability())) {
                bad++;
                sb.append("row ").append(r).append(" want ").append(d.token()).append("/").append(d.probability())
                        .append(" got ").append(got[r]).append("/").append(p[r]).append("; ");
            }
        }
        add("conformance", "top-k/top-p sampler vs Java reference", "F32", rowsN + "x" + vocab, bad, "mismatches", 0, bad == 0 ? "pass" : "FAIL", sb.toString());
        ctx.pool().free(tok);
        ctx.pool().free(prob);
        ctx.pool().free(rng);
        free(gl);
    }

    // ============================================================== stories260K greedy

    private void stories260k() {
        Path dir = config.storiesDir();
        Path model = dir.resolve("stories260K.bin"), tok = dir.resolve("tok512.bin");
        if (!Files.exists(model) || !Files.exists(tok)) {
            add("stories260k", "greedy vs cpu", "F32", "-", Double.NaN, "-", 0, "info", "skipped: " + model + " not found");
            return;
        }
        try {
            LoadedModel m = ModelLoader.open(model, tok);
            int[] cpuTokens, gpuTokens;
            String prompt = "Once upon a time";
            try (CpuBackend c = new CpuBackend()) {
                cpuTokens = new Generator(new Llama(m.weights(), c), m.tokenizer()).generate(prompt, 200, Sampler.greedy(), s -> { }).tokens();
            }
            gpuTokens = new Generator(new Llama(m.weights(), gpu), m.tokenizer()).generate(prompt, 200, Sampler.greedy(), s -> { }).tokens();
            int first = -1;
            for (int i = 0; i < Math.min(cpuTokens.length, gpuTokens.length); i++) if (cpuTokens[i] != gpuTokens[i]) { first = i; break; }
            boolean same = Arrays.equals(cpuTokens, gpuTokens);
            add("stories260k", "greedy 200 tokens identical to cpu", "F32", cpuTokens.length + " tokens", same ? 1 : 0, "equal", 1,
                    same ? "pass" : "FAIL", same ? "" : "first difference at token " + first);
        } catch (java.io.IOException e) {
            add("stories260k", "greedy vs cpu", "F32", "-", Double.NaN, "-", 0, "FAIL", e.toString());
        }
    }

    // ============================================================== part 2: micro-benchmarks

    /** Median milliseconds of {@code body} over {@code config.repeats()} runs after 3 warm-ups, timed with events. */
    private double medianMs(Runnable body) {
        try (CudaEvent a = new CudaEvent(); CudaEvent b = new CudaEvent()) {
            for (int i = 0; i < 3; i++) body.run();
            double[] t = new double[config.repeats()];
            for (int i = 0; i < t.length; i++) {
                a.record(ctx.stream());
                body.run();
                b.record(ctx.stream());
                t[i] = CudaEvent.elapsedMs(a, b);
            }
            Arrays.sort(t);
            return t[t.length / 2];
        }
    }

    /** Device time of {@code body} in ms, replayed as a CUDA graph ({@link DeviceTiming#graphReplayMs}). */
    private double deviceMs(Runnable body) { return DeviceTiming.graphReplayMs(ctx, config.repeats(), body); }

    private void bench(String name, String dtype, String shape, double value, String unit, String detail) {
        add("bench", name, dtype, shape, value, unit, Double.NaN, "info", detail);
    }

    private void benchmarks(Arena arena) {
        // device copy: the bandwidth yardstick
        copyGbs = DeviceTiming.copyBytesPerSecond(ctx, config.repeats()) / 1e9;
        bench("device copy (read+write)", "F32", "256 MiB", copyGbs, "GB/s",
                String.format("%.3f ms", 2.0 * DeviceTiming.COPY_BYTES / (copyGbs * 1e6)));

        // GEMV per dtype, over enough weight copies that the 50 MB L2 cannot hold them
        int n = 8192, K = 4096;
        Tensor w32 = Tensor.ofF32("w", randn(n * K, 0.05), n, K);
        for (DType dt : DType.values()) {
            Tensor hw = dt == DType.F32 ? w32 : TensorCodec.convert(w32, dt, arena);
            Tensor[] ws = deviceCopies(hw);
            for (int nb : new int[]{1, 8, 32}) {
                if (dt == DType.F32 && nb > 8) continue;
                if (nb <= GemvKernel.V4_MAX_ROWS) for (GemvKernel v : gemvVersions(dt)) withGemv(v, () -> matvecBench(hw, ws, nb, false));
                else matvecBench(hw, ws, nb, false);
                if (dt != DType.F32 && nb > 1) matvecBench(hw, ws, nb, true);
            }
            free(ws);
        }
        // the GEMV/GEMM crossover at TinyLlama's square shape (128 blocks of 4 rows: the grid no longer fills the GPU)
        for (DType dt : new DType[]{DType.F16, DType.Q8_0}) {
            Tensor hw = TensorCodec.convert(Tensor.ofF32("w", randn(2048 * 2048, 0.05), 2048, 2048), dt, arena);
            Tensor[] ws = deviceCopies(hw);
            for (int nb : new int[]{1, 2, 4, 8, 16, 32}) {
                if (nb <= GemvKernel.V4_MAX_ROWS) for (GemvKernel v : gemvVersions(dt)) withGemv(v, () -> matvecBench(hw, ws, nb, false));
                else matvecBench(hw, ws, nb, false);
                if (nb > 1) matvecBench(hw, ws, nb, true);
            }
            free(ws);
        }
        // prefill GEMM on tensor cores, every version
        // TinyLlama's w1/w3 shape for every weight dtype, and its wq/wo shape (a quarter of the blocks) for F16
        record GemmShape(DType dtype, int n) {}
        for (GemmShape shape : List.of(new GemmShape(DType.F16, 5632), new GemmShape(DType.BF16, 5632), new GemmShape(DType.Q8_0, 5632), new GemmShape(DType.F16, 2048))) {
            DType dt = shape.dtype();
            int M = 512, N = shape.n(), KK = 2048;
            Tensor hw = TensorCodec.convert(Tensor.ofF32("w", randn(N * KK, 0.05), N, KK), dt, arena);
            Tensor w = gpu.load(hw), x = dev("x", randn(M * KK, 1.0), M, KK), y = gpu.allocate("y", M, N);
            eachGemm("bench", "prefill gemm " + dt + " " + M + "x" + N + "x" + KK, g -> {
                double t = deviceMs(() -> gpu.matmul(y, x, w));
                bench("prefill gemm (" + g + ") incl. conversions", dt.name(), M + "x" + N + "x" + KK, 2.0 * M * N * KK / (t * 1e9), "TFLOP/s", String.format("%.3f ms", t));
            });
            free(w, x, y);
        }
        // attention
        int nHeads = 32, nKv = 4, hs = 64, len = 2048, kvDim = nKv * hs, dim = nHeads * hs;
        Tensor k = dev("k", randn(len * kvDim, 1.0), len, kvDim), v = dev("v", randn(len * kvDim, 1.0), len, kvDim);
        Tensor q = dev("q", randn(512 * dim, 1.0), 512, dim), o = gpu.allocate("o", 512, dim);
        // decode uploads its split table from the host each call (not capturable): host-launched timing, an upper bound
        double td = medianMs(() -> gpu.attention(o, q, 0, 1, k, v, len, AttentionMask.CAUSAL, nHeads, nKv, hs));
        bench("attention decode split-KV", "F32", "h32/4 hd64 kv" + len, 2.0 * len * kvDim * 4 / (td * 1e6), "GB/s", String.format("%.1f us (KV bytes once)", td * 1e3));
        for (PrefillAttention a : PrefillAttention.values()) {
            with(a, gpu::prefillAttentionVersion, gpu::usePrefillAttention, () -> {
                double tp = deviceMs(() -> gpu.attention(o, q, 0, 512, k, v, 512, AttentionMask.CAUSAL, nHeads, nKv, hs));
                double flops = 4.0 * nHeads * hs * 512.0 * 513 / 2;
                bench("attention prefill flash " + a, "F32", "h32/4 hd64 T512", flops / (tp * 1e9), "TFLOP/s", String.format("%.3f ms", tp));
            });
        }
        free(k, v, q, o);

        graphBenchmark(arena);
    }

    /** Enough device copies of {@code hw} (at least 3) that together they are 3x the 50 MB L2: each timed read is a DRAM read. */
    private Tensor[] deviceCopies(Tensor hw) {
        int n = (int) Math.max(3, (3L * 50_000_000 + hw.byteSize() - 1) / hw.byteSize());
        Tensor[] ws = new Tensor[n];
        for (int i = 0; i < n; i++) ws[i] = gpu.load(i == 0 ? hw : hw.renamed("w" + i));
        return ws;
    }

    /**
     * Times {@code nb} activation rows against {@code hw} (the device copies {@code ws} one after another, so the L2
     * cannot hold them) on the GEMV kernels or the tensor-core GEMM, whichever {@code gemm} says, in GB/s of weights.
     */
    private void matvecBench(Tensor hw, Tensor[] ws, int nb, boolean gemm) {
        int n = (int) hw.rows(), K = (int) hw.cols();
        Tensor x = dev("x", randn(nb * K, 1.0), nb, K), y = gpu.allocate("y", nb, n);
        double[] t = new double[1];
        // one replay multiplies by every copy in turn: its time over the copies per matmul
        withGemmMinRows(gemm ? 1 : Integer.MAX_VALUE, () -> t[0] = deviceMs(() -> { for (Tensor w : ws) gpu.matmul(y, x, w); }) / ws.length);
        double gbs = hw.byteSize() / (t[0] * 1e6);
        bench((gemm ? "gemm (" + gpu.gemmVersion() + ")" : hw.dtype() == DType.F32 ? "gemv" : gemvPath()) + " batch " + nb, hw.dtype().name(), n + "x" + K, gbs, "GB/s",
                String.format("%.1f us, %.0f%% of copy bandwidth", t[0] * 1e3, 100 * gbs / copyGbs));
        free(x, y);
    }

    /** One TinyLlama layer's decode launches (norms, 7 GEMVs, silu, adds) x 22, issued directly vs replayed as a graph. */
    private void graphBenchmark(Arena arena) {
        ModelConfig c = ModelPresets.get("tinyllama-1.1b");
        int dim = c.dim(), kv = c.kvDim(), hid = c.hiddenDim();
        Tensor[] w = {
                gpu.load(TensorCodec.convert(Tensor.ofF32("wq", randn(dim * dim, 0.02), dim, dim), DType.F16, arena)),
                gpu.load(TensorCodec.convert(Tensor.ofF32("wk", randn(kv * dim, 0.02), kv, dim), DType.F16, arena)),
                gpu.load(TensorCodec.convert(Tensor.ofF32("wv", randn(kv * dim, 0.02), kv, dim), DType.F16, arena)),
                gpu.load(TensorCodec.convert(Tensor.ofF32("wo", randn(dim * dim, 0.02), dim, dim), DType.F16, arena)),
                gpu.load(TensorCodec.convert(Tensor.ofF32("w1", randn(hid * dim, 0.02), hid, dim), DType.F16, arena)),
                gpu.load(TensorCodec.convert(Tensor.ofF32("w3", randn(hid * dim, 0.02), hid, dim), DType.F16, arena)),
                gpu.load(TensorCodec.convert(Tensor.ofF32("w2", randn(dim * hid, 0.02), dim, hid), DType.F16, arena))};
        Tensor norm = gpu.load(Tensor.ofF32("rms", randn(dim, 1.0), dim));
        Tensor x = dev("x", randn(dim, 1.0), 1, dim), xb = gpu.allocate("xb", 1, dim), q = gpu.allocate("q", 1, dim),
                k = gpu.allocate("k", 1, kv), v = gpu.allocate("v", 1, kv), hb = gpu.allocate("hb", 1, hid), hb2 = gpu.allocate("hb2", 1, hid);
        Runnable step = () -> {
            for (int l = 0; l < c.nLayers(); l++) {
                gpu.rmsnorm(xb, x, norm, 1e-5f);
                gpu.matmul(q, xb, w[0]);
                gpu.matmul(k, xb, w[1]);
                gpu.matmul(v, xb, w[2]);
                gpu.matmul(xb, q, w[3]);
                gpu.add(x, xb);
                gpu.rmsnorm(xb, x, norm, 1e-5f);
                gpu.matmul(hb, xb, w[4]);
                gpu.matmul(hb2, xb, w[5]);
                gpu.siluMul(hb, hb2);
                gpu.matmul(xb, hb, w[6]);
                gpu.add(x, xb);
            }
        };
        double direct = medianMs(step);
        try (CudaGraph g = new CudaGraph("tinyllama-layers-b1", ctx.stream(), step)) {
            double replay = medianMs(() -> g.launch(ctx.stream()));
            long bytes = 0;
            for (Tensor t : w) bytes += t.byteSize();
            bench("decode layers direct launches", "F16", "22 layers, no attention", direct * 1e3, "us", "");
            bench("decode layers CUDA graph replay", "F16", "22 layers, no attention", replay * 1e3, "us",
                    String.format("%.2fx faster; %.0f GB/s of weights", direct / replay, 22.0 * bytes / (replay * 1e6)));
        }
        free(w);
        free(norm, x, xb, q, k, v, hb, hb2);
    }

    // ============================================================== part 3: end to end

    private void endToEnd() {
        ModelConfig c = ModelPresets.get("tinyllama-1.1b");
        int capacity = 640;
        DType[] dts = {DType.F16, DType.Q8_0};
        try (Arena arena = Arena.ofShared()) {
            dev.minerva.model.Weights[] weights = new dev.minerva.model.Weights[dts.length];
            for (int i = 0; i < dts.length; i++) {
                long t0 = System.nanoTime();
                weights[i] = RandomWeights.create(c, dts[i], config.seed(), arena);
                log.printf("  (%s weights made in %.1f s)%n", dts[i], (System.nanoTime() - t0) / 1e9);
            }
            // the newest decode step first, for both dtypes: if the session's time limit cuts the run short, it cuts
            // the steps already measured in earlier runs
            for (int i = 0; i < dts.length; i++) decoderPaths(c, dts[i], weights[i], CudaDecoder.Step.LEAN);
            for (int i = 0; i < dts.length; i++) {
                spiPath(c, dts[i], new Llama(weights[i], gpu), capacity);
                decoderPaths(c, dts[i], weights[i], CudaDecoder.Step.FUSED, CudaDecoder.Step.PLAIN);
            }
            // last: a fault in the newest path must not cost the timings above
            for (int i = 0; i < dts.length; i++) generationPath(c, dts[i], weights[i]);
        }
    }

    /** Through the engine: Llama.forward on the CudaBackend (host-driven launches, no graph). */
    private void spiPath(ModelConfig c, DType dt, Llama llama, int capacity) {
        if (outOfTime("e2e", "engine path (prefill, decode without graph) " + dt)) return;
        DenseKvCache cache = new DenseKvCache(gpu, c, capacity);
        int[] prompt = new int[512];
        for (int i = 0; i < prompt.length; i++) prompt[i] = 1 + rnd.nextInt(c.vocabSize() - 1);
        gpu.read(llama.forward(Batch.of(0, prompt, 0, false), cache, ForwardHooks.NONE));   // warm-up: scratch buffers at this shape
        cache.free(0);
        eachGemm("e2e", "prefill 512 tokens " + dt, g -> prefillTtft(llama, prompt, cache, dt));
        // the configured GEMM with every other prefill attention kernel
        for (PrefillAttention a : PrefillAttention.values()) {
            if (a == gpu.prefillAttentionVersion()) continue;
            with(a, gpu::prefillAttentionVersion, gpu::usePrefillAttention, () -> prefillTtft(llama, prompt, cache, dt));
        }
        for (int B : new int[]{1, 8, 32, 128}) {
            DenseKvCache kc = new DenseKvCache(gpu, c, capacity);
            List<Batch.Entry> first = new ArrayList<>();
            for (int s = 0; s < B; s++) first.add(Batch.causal(s, new int[]{1 + rnd.nextInt(100), 2 + rnd.nextInt(100)}, 0, false));
            gpu.read(llama.forward(new Batch(first), kc, ForwardHooks.NONE));
            int steps = 16;
            long d0 = System.nanoTime();
            for (int st = 0; st < steps; st++) {
                List<Batch.Entry> e = new ArrayList<>();
                for (int s = 0; s < B; s++) e.add(Batch.causal(s, new int[]{1 + rnd.nextInt(c.vocabSize() - 1)}, 2 + st, false));
                gpu.read(llama.forward(new Batch(e), kc, ForwardHooks.NONE));
            }
            double sec = (System.nanoTime() - d0) / 1e9;
            add("e2e", "decode batch " + B + " (engine, no graph)", dt.name(), "tinyllama-1.1b", (double) B * steps / sec, "tok/s", Double.NaN, "info",
                    String.format("%.2f ms/step", 1e3 * sec / steps));
            for (int s = 0; s < B; s++) kc.free(s);
        }
    }

    /** One timed prefill of {@code prompt} through the engine, with the GEMM and attention versions in force, as a row. */
    private void prefillTtft(Llama llama, int[] prompt, DenseKvCache cache, DType dt) {
        try {
            long p0 = System.nanoTime();
            gpu.read(llama.forward(Batch.of(0, prompt, 0, false), cache, ForwardHooks.NONE));
            double ttft = (System.nanoTime() - p0) / 1e6;
            add("e2e", "prefill 512 tokens (TTFT), gemm " + gpu.gemmVersion() + ", attention " + gpu.prefillAttentionVersion(), dt.name(),
                    "tinyllama-1.1b", ttft, "ms", Double.NaN, "info", "engine path");
        } finally {
            cache.free(0);
        }
    }

    /**
     * {@link CudaGeneration}, what {@code minerva generate} runs on a GPU: a 12-token prompt prefilled into the decoder's
     * cache slot, then 24 tokens greedy and 24 sampled (T 0.8, top-k 40, top-p 0.9), each against the CPU engine run over
     * the same tokens (teacher-forced). Greedy: every pick is the CPU's argmax or within 1e-3 (Q8_0: 1e-2) of its top
     * logit relative to the largest, a near tie, and its probability is the CPU's softmax to 1e-3. Sampled: the pick of
     * {@code TopKTopPReference} on the CPU logits with the device's counters (prefill 0, step i counter i); one
     * difference in 24 is allowed, a draw landing within the logits' rounding of a boundary.
     */
    private void generationPath(ModelConfig c, DType dt, dev.minerva.model.Weights weights) {
        if (outOfTime("e2e", "generate on the device decoder " + dt)) return;
        int[] prompt = new int[12];
        prompt[0] = 1;
        for (int i = 1; i < prompt.length; i++) prompt[i] = 1 + rnd.nextInt(c.vocabSize() - 1);
        int n = 24;
        float temp = 0.8f, topP = 0.9f;
        int topK = 40;
        long seed = config.seed();
        // minerva bench's settings: a 128-token prompt, 128 tokens, warm-up first (graph capture included)
        var bench = new dev.minerva.bench.DecodeBenchmark.Settings(128, 128, 16, 7);
        int room = Math.max(prompt.length + n, dev.minerva.bench.DecodeBenchmark.capacity(c, bench));
        try (CudaGeneration g = new CudaGeneration(gpu, weights, 4, room)) {
            Generator gen = new Generator(c, g, null);
            Generator.Result greedy = gen.generate(prompt, n, Sampler.greedy(), null);
            Generator.Result drawn = gen.generate(prompt, n, new Sampler(temp, topK, topP, 0, seed), null);
            String shape = prompt.length + "+" + n + " tokens";
            String tag = " (" + g.decoder().step().name().toLowerCase() + " step)";

            // ten times the decoder's logits tolerance (a relative L2 error; one logit may be off by several times it)
            double gapTol = dt == DType.F16 ? 1e-3 : 1e-2;
            GreedyAgreement a = GreedyAgreement.of(teacherForcedLogits(weights, prompt, greedy.tokens()), greedy.tokens(), greedy.probabilities());
            boolean ok = greedy.tokens().length == n && a.ok(gapTol);
            add("conformance", "generate greedy, device decoder vs cpu engine" + tag, dt.name(), shape, a.worstGap(), "logit gap", gapTol,
                    ok ? "pass" : "FAIL", a.detail());

            // a batch in lockstep: each sequence its own prompt, each pick judged as the single generation's are
            int batch = g.decoder().maxBatch();
            int[][] prompts = new int[batch][];
            for (int b = 0; b < batch; b++) {
                prompts[b] = prompt.clone();
                for (int i = 1; i < prompts[b].length; i++) prompts[b][i] = 1 + rnd.nextInt(c.vocabSize() - 1);
            }
            int[][] toks = new int[batch][n];
            float[][] probs = new float[batch][n];
            try (dev.minerva.engine.BatchDecoder d = g.open(Sampler.greedy(), batch, prompt.length + n)) {
                int[] in = new int[batch];
                for (int b = 0; b < batch; b++) {
                    Sampler.Sample p = d.prefill(b, prompts[b]);
                    in[b] = toks[b][0] = p.token();
                    probs[b][0] = p.probability();
                }
                for (int i = 1; i < n; i++) {
                    Sampler.Sample[] p = d.next(in);
                    for (int b = 0; b < batch; b++) {
                        in[b] = toks[b][i] = p[b].token();
                        probs[b][i] = p[b].probability();
                    }
                }
            }
            double worstBatchGap = 0;
            StringBuilder batchDetail = new StringBuilder();
            boolean batchOk = true;
            for (int b = 0; b < batch; b++) {
                GreedyAgreement ab = GreedyAgreement.of(teacherForcedLogits(weights, prompts[b], toks[b]), toks[b], probs[b]);
                worstBatchGap = Math.max(worstBatchGap, ab.worstGap());
                batchOk &= ab.ok(gapTol);
                batchDetail.append("seq ").append(b).append(": ").append(ab.argmax()).append('/').append(n).append(" argmax; ");
            }
            add("conformance", "generate greedy, batch of " + batch + " in lockstep vs cpu engine per sequence" + tag, dt.name(),
                    batch + " x " + shape, worstBatchGap, "logit gap", gapTol, batchOk ? "pass" : "FAIL", batchDetail.toString());

            float[][] drawnCpu = teacherForcedLogits(weights, prompt, drawn.tokens());
            int differ = 0;
            StringBuilder where = new StringBuilder();
            for (int i = 0; i < drawn.tokens().length; i++) {
                TopKTopPReference.Draw d = TopKTopPReference.sample(drawnCpu[i], temp, topK, topP, seed, i, 0);
                if (d.token() != drawn.tokens()[i]) { differ++; where.append("step ").append(i).append(" want ").append(d.token()).append(" got ").append(drawn.tokens()[i]).append("; "); }
            }
            boolean drawOk = drawn.tokens().length == n && differ <= 1;
            add("conformance", "generate sampled (device sampler) vs TopKTopPReference on cpu logits" + tag, dt.name(), shape, differ, "differ", 1,
                    drawOk ? "pass" : "FAIL", where.toString());

            // timed as minerva bench --backend cuda times it: the same loop, after the conformance runs above
            var r = dev.minerva.bench.DecodeBenchmark.measure(g, weights, bench, 1, null);
            add("e2e", "bench: TTFT of a 128-token prompt (device decoder)", dt.name(), "tinyllama-1.1b", r.ttftMs(), "ms", Double.NaN, "info",
                    "prefill through Llama on the cuda backend into the decoder's cache, first pick on the device; minerva bench's loop");
            add("e2e", "bench: decode, batch 1 (device decoder, greedy)", dt.name(), "tinyllama-1.1b", r.decodeTokensPerSecond(), "tok/s", Double.NaN, "info",
                    String.format("%d steps, graph replay per token and the pick read back; %.0f%% of copy bandwidth", r.decodeSteps(),
                            r.percentOf(copyGbs * 1e9)));
            var r4 = dev.minerva.bench.DecodeBenchmark.measure(g, weights, bench, batch, null);
            add("e2e", "bench: decode, batch " + batch + " in lockstep (device decoder, greedy)", dt.name(), "tinyllama-1.1b", r4.decodeTokensPerSecond(), "tok/s",
                    Double.NaN, "info", String.format("%d steps, TPOT %.3f ms; weights at %.0f%% of copy bandwidth", r4.decodeSteps(), r4.tpotMs(),
                            r4.percentOf(copyGbs * 1e9)));
        } catch (RuntimeException e) {
            add("conformance", "generate on the device decoder", dt.name(), "tinyllama-1.1b", Double.NaN, "-", Double.NaN, "FAIL", e.toString());
        }
    }

    /**
     * How a greedy generation's picks stand against the CPU engine's logits for the same tokens: how many are the CPU
     * argmax, the largest gap between the top logit and the picked one (relative to the largest logit), and the largest
     * difference between the reported probability and the CPU softmax's.
     */
    record GreedyAgreement(int argmax, int picks, double worstGap, double worstProb) {
        static GreedyAgreement of(float[][] cpu, int[] tokens, float[] probabilities) {
            double worstGap = 0, worstProb = 0;
            int argmax = 0;
            for (int i = 0; i < tokens.length; i++) {
                float[] l = cpu[i];
                int best = 0, tok = tokens[i];
                double scale = 0, sum = 0;
                for (int j = 0; j < l.length; j++) { if (l[j] > l[best]) best = j; scale = Math.max(scale, Math.abs(l[j])); }
                for (float v : l) sum += Math.exp(v - l[best]);
                if (tok == best) argmax++;
                worstGap = Math.max(worstGap, (l[best] - l[tok]) / scale);
                worstProb = Math.max(worstProb, Math.abs(Math.exp(l[tok] - l[best]) / sum - probabilities[i]));
            }
            return new GreedyAgreement(argmax, tokens.length, worstGap, worstProb);
        }

        /** Every pick within {@code gapTol} of the top logit, and its probability within 1e-3. */
        boolean ok(double gapTol) { return worstGap <= gapTol && worstProb <= 1e-3; }

        String detail() {
            return String.format("%d/%d picks the cpu argmax (others near ties); worst probability difference %.2g", argmax, picks, worstProb);
        }
    }

    /** The CPU engine's logits for each token of {@code generated}, given the prompt and the tokens before it. */
    private static float[][] teacherForcedLogits(dev.minerva.model.Weights weights, int[] prompt, int[] generated) {
        int[] all = new int[prompt.length + Math.max(0, generated.length - 1)];
        System.arraycopy(prompt, 0, all, 0, prompt.length);
        System.arraycopy(generated, 0, all, prompt.length, all.length - prompt.length);
        try (CpuBackend cb = new CpuBackend()) {
            Llama llama = new Llama(weights, cb);
            float[] l = cb.read(llama.forward(Batch.of(0, all, 0, true), new DenseKvCache(cb, weights.config(), all.length), ForwardHooks.NONE));
            int v = weights.config().vocabSize();
            float[][] rows = new float[generated.length][];
            for (int i = 0; i < rows.length; i++) rows[i] = Arrays.copyOfRange(l, (prompt.length - 1 + i) * v, (prompt.length + i) * v);
            return rows;
        }
    }

    /** {@link CudaDecoder} with each of {@code steps} (the lean one in all its settings): the whole step on the device, one CUDA graph per batch size. */
    private void decoderPaths(ModelConfig c, DType dt, dev.minerva.model.Weights weights, CudaDecoder.Step... steps) {
        for (CudaDecoder.Step step : steps) {
            try {
                if (step == CudaDecoder.Step.PLAIN) graphPath(c, dt, weights, step);
                else if (step == CudaDecoder.Step.LEAN) leanPaths(c, dt, weights);
                else for (GemvKernel v : gemvVersions(dt)) withGemv(v, () -> graphPath(c, dt, weights, step));
            } catch (RuntimeException e) {
                add("e2e", "decoder (" + step + " step)", dt.name(), "tinyllama-1.1b", Double.NaN, "-", Double.NaN, "FAIL", e.toString());
            }
        }
    }

    /**
     * The lean step (layer.cu; its own GEMV versions): checked and timed as the others, then with programmatic dependent
     * launches ({@code -Dminerva.cuda.pdl=true}, checked and timed the same way), then with PDL and each block's weight rows
     * asked of L2 before it waits ({@code -Dminerva.cuda.layerPrefetch=true}), then timed at batches 1 and 8 with the
     * layer kernels' grid capped at 2, 4 and 8 blocks per SM ({@code -Dminerva.cuda.layerBlocksPerSm}).
     */
    private void leanPaths(ModelConfig c, DType dt, dev.minerva.model.Weights weights) {
        graphPath(c, dt, weights, CudaDecoder.Step.LEAN);
        withProperty("minerva.cuda.pdl", "true", () -> graphPath(c, dt, weights, CudaDecoder.Step.LEAN));
        withProperty("minerva.cuda.pdl", "true", () -> withProperty("minerva.cuda.layerPrefetch", "true",
                () -> graphPath(c, dt, weights, CudaDecoder.Step.LEAN)));
        for (int perSm : new int[]{2, 4, 8}) {
            if (outOfTime("e2e", "lean step, " + perSm + " blocks/SM " + dt)) return;
            withProperty("minerva.cuda.layerBlocksPerSm", Integer.toString(perSm), () -> {
                try (CudaDecoder dec = new CudaDecoder(gpu, weights, 8, 64 + 4, CudaDecoder.Step.LEAN)) {
                    timeDecode(dec, c, dt, weights, new int[]{1, 8}, 64, "lean step, " + perSm + " blocks/SM");
                }
            });
        }
    }

    /** Runs {@code body} with the system property {@code name} set to {@code value}, then restores it (unset if it was). */
    private static void withProperty(String name, String value, Runnable body) {
        with(value, () -> System.getProperty(name), v -> {
            if (v == null) System.clearProperty(name);
            else System.setProperty(name, v);
        }, body);
    }

    /** The decoder's first-step logits for {@code first} (one sequence per token) against the CPU engine's. */
    private void decoderLogitsCheck(CudaDecoder dec, dev.minerva.model.Weights weights, DType dt, int[] first, double tol, String tag) {
        int B = first.length;
        dec.start(first);
        dec.run(B, 1, false);
        float[] gpuLogits = dec.logits(B);
        float[] cpuLogits;
        try (CpuBackend cb = new CpuBackend()) {
            Llama cpuLlama = new Llama(weights, cb);
            DenseKvCache kc = new DenseKvCache(cb, weights.config(), 8);
            List<Batch.Entry> e = new ArrayList<>();
            for (int s = 0; s < B; s++) e.add(Batch.causal(s, new int[]{first[s]}, 0, false));
            cpuLogits = cb.read(cpuLlama.forward(new Batch(e), kc, ForwardHooks.NONE));
        }
        String path = B >= gpu.gemmMinRows() ? ", gemm " + gpu.gemmVersion() : "";
        check("decoder step logits vs cpu engine" + tag + path, dt.name(), "tinyllama-1.1b B" + B,
                relErr(cpuLogits, gpuLogits), tol, firstDiff(cpuLogits, gpuLogits));
    }

    /** Bytes of weights a decode step reads: every matrix and norm, but of an untied embedding table only its B rows (ignored). */
    private static long streamedWeightBytes(dev.minerva.model.Weights weights) {
        long bytes = 0;
        boolean tied = weights.config().tiedEmbeddings();
        for (var e : weights.tensors().entrySet()) if (tied || !e.getKey().equals("tok_embeddings")) bytes += e.getValue().byteSize();
        return bytes;
    }

    /** The CUDA-graph decoder with one step version: its first logits against the CPU engine, graph replay against eager, tok/s. */
    private void graphPath(ModelConfig c, DType dt, dev.minerva.model.Weights weights, CudaDecoder.Step step) {
        int steps = 64;
        String version = step == CudaDecoder.Step.LEAN
                ? ", layer.cu" + (LayerKernels.configuredPdl() ? " + pdl" : "") + (LayerKernels.configuredPrefetch() ? " + prefetch" : "")
                : ", " + gemvPath();
        String tag = " (" + step.name().toLowerCase() + " step" + version + ")";
        if (outOfTime("e2e", "decoder" + tag + " " + dt)) return;
        try (CudaDecoder dec = new CudaDecoder(gpu, weights, 128, steps + 4, step)) {
            // correctness: the first step's logits against the CPU engine, graph replay against eager launches
            int[] first = {5, 9};
            // Q8_0: the GPU's rmsnorm sums in another order than the CPU's, so an activation on a rounding tie can
            // quantise one step apart
            decoderLogitsCheck(dec, weights, dt, first, dt == DType.F16 ? 1e-4 : 1e-3, tag);
            int gemmB = gpu.gemmMinRows();
            if (dt == DType.F16 && gemmB <= 128) {   // the same on the tensor-core GEMM, whose activations are rounded to f16
                int[] many = new int[gemmB];
                for (int i = 0; i < gemmB; i++) many[i] = 1 + rnd.nextInt(c.vocabSize() - 1);
                decoderLogitsCheck(dec, weights, dt, many, 1e-2, tag);
            }
            dec.start(first);
            int[][] eager = dec.run(2, 8, false);
            dec.start(first);
            int[][] graph = dec.run(2, 8, true);
            boolean same = Arrays.deepEquals(eager, graph);
            add("conformance", "decoder graph replay == eager launches" + tag, dt.name(), "8 steps B2", same ? 1 : 0, "equal", 1,
                    same ? "pass" : "FAIL", same ? "" : "eager " + Arrays.deepToString(eager) + " graph " + Arrays.deepToString(graph));
            timeDecode(dec, c, dt, weights, new int[]{1, 8, 32, 128}, steps, step.name().toLowerCase() + " step" + version);
        }
    }

    /** Decode tokens/s of {@code dec} at each batch size: {@code steps} graph replays from position 0, timed on the host after one warm-up. */
    private void timeDecode(CudaDecoder dec, ModelConfig c, DType dt, dev.minerva.model.Weights weights, int[] batches, int steps, String label) {
        for (int B : batches) {
            int[] first = new int[B];
            for (int i = 0; i < B; i++) first[i] = 1 + rnd.nextInt(c.vocabSize() - 1);
            dec.start(first);
            dec.runQueued(B, 1);                       // captures (first time) and warms up
            dec.start(first);
            long t0 = System.nanoTime();
            dec.runQueued(B, steps);
            double sec = (System.nanoTime() - t0) / 1e9;
            double weightGbs = streamedWeightBytes(weights) * steps / sec / 1e9;   // every weight byte once per step
            add("e2e", "decode batch " + B + " (CUDA graph, " + label + ")",
                    dt.name(), "tinyllama-1.1b", (double) B * steps / sec, "tok/s", Double.NaN, "info",
                    String.format("%.3f ms/step, %d steps from position 0; weights streamed at %.0f GB/s = %.0f%% of copy bandwidth",
                            1e3 * sec / steps, steps, weightGbs, 100 * weightGbs / copyGbs));
        }
    }
}
