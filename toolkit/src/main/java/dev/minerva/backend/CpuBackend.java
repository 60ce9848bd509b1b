package dev.minerva.backend;

import dev.minerva.tensor.DType;
import dev.minerva.tensor.Tensor;
import dev.minerva.tensor.TensorCodec;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The CPU backend: activations are heap {@code float[]} tensors, weights stay where they are
 * (memory-mapped files, heap or native memory). Kernels use the Vector API at the machine's
 * preferred width and split output rows over a fixed {@link WorkerPool}. Matmul with Q8_0/Q4_0
 * weights quantises the activations to Q8_0 and, for a few tokens, computes int8 x int8 dot products
 * ({@link QuantKernels}); many tokens (prefill) go through {@link PrefillGemm} for every dtype.
 */
public final class CpuBackend implements Backend {

    private final WorkerPool pool;

    /** A backend using every available processor. */
    public CpuBackend() { this(Runtime.getRuntime().availableProcessors()); }

    /** A backend using {@code threads} threads. */
    public CpuBackend(int threads) { this.pool = new WorkerPool(threads); }

    public int threads() { return pool.threads(); }

    @Override public String name() { return "cpu"; }

    @Override public boolean supports(Op op, DType dtype) {
        return switch (op) {
            case MATMUL, EMBEDDING -> true;
            default -> dtype == DType.F32;
        };
    }

    @Override public Tensor allocate(String name, long... shape) { return Tensor.zerosF32(name, shape); }

    @Override public Tensor load(Tensor weight) {
        // vectors (norm weights) are tiny and read with their float[]: copy them onto the heap
        if (weight.rank() == 1 && weight.heapFloats() == null) {
            return Tensor.ofF32(weight.name(), TensorCodec.toFloats(weight), weight.shape());
        }
        return kernelView(weight);
    }

    /**
     * A memory-mapped weight as a plain native segment over the same bytes (same lifetime, still read-only), so
     * that the kernels see one segment class whatever loaded the weights. C2 compiles a kernel for the segment
     * classes it has seen, and compiled for two it ran far slower: after a model with native weights (random
     * weights, safetensors' reordered wq/wk, a precision plan's converted matrices) had run in the JVM, the mapped
     * stories110M shape decoded F32 at batch 16 in 260-300 ms a step instead of 81-97 ({@code SegmentClassProbe}).
     * Native and heap weights are returned as they are. {@code reinterpret} is a restricted method: the launcher,
     * the notebook kernel and the tests run with {@code --enable-native-access=ALL-UNNAMED}.
     */
    static Tensor kernelView(Tensor weight) {
        MemorySegment s = weight.data();
        if (!s.isMapped()) return weight;
        return Tensor.of(weight.name(), weight.dtype(), weight.shape(), s.reinterpret(s.byteSize()));
    }

    @Override public void write(Tensor dst, float[] src) { System.arraycopy(src, 0, f(dst), 0, src.length); }

    @Override public float[] read(Tensor src, int row, int rows) {
        int cols = (int) src.cols();
        float[] out = new float[rows * cols];
        System.arraycopy(f(src), row * cols, out, 0, out.length);
        return out;
    }

    static float[] f(Tensor t) {
        float[] a = t.heapFloats();
        if (a == null) throw new IllegalArgumentException("CPU backend needs a heap F32 activation, got " + t + " (allocate it with the backend)");
        return a;
    }

    // ---------------------------------------------------------------- embedding, norms, elementwise

    @Override public void embedding(Tensor out, Tensor table, int[] tokens) {
        float[] o = f(out);
        int dim = (int) table.cols();
        long vocab = table.rows();
        for (int t = 0; t < tokens.length; t++) {
            if (tokens[t] < 0 || tokens[t] >= vocab) throw new IllegalArgumentException("token id " + tokens[t] + " outside vocabulary of " + vocab);
            TensorCodec.decode(table, (long) tokens[t] * dim, dim, o, t * dim);
        }
    }

    @Override public void rmsnorm(Tensor out, Tensor x, Tensor weight, float eps) {
        float[] o = f(out), xa = f(x), w = f(weight);
        int dim = w.length, rows = xa.length / dim;
        for (int t = 0; t < rows; t++) {
            int off = t * dim;
            float ss = VectorMath.sumOfSquares(xa, off, dim);
            float scale = (float) (1.0 / Math.sqrt(ss / dim + eps));
            VectorMath.scaleMul(o, off, xa, off, w, scale, dim);
        }
    }

    @Override public void rope(Tensor x, int[] positions, int headSize, float[] invFreq) {
        float[] a = f(x);
        int width = (int) x.cols(), half = headSize / 2;
        RopeTable table = ropeTable(invFreq, half, positions);
        for (int t = 0; t < positions.length; t++) {
            int row = positions[t] * half, off = t * width;
            for (int h = 0; h < width; h += headSize) {
                for (int i = 0; i < headSize; i += 2) {
                    float c = table.cos[row + i / 2], s = table.sin[row + i / 2];
                    float v0 = a[off + h + i], v1 = a[off + h + i + 1];
                    a[off + h + i] = v0 * c - v1 * s;
                    a[off + h + i + 1] = v0 * s + v1 * c;
                }
            }
        }
    }

    /**
     * cos and sin of {@code position * invFreq[i]}, {@code half} values per position from 0, computed once
     * (in double, rounded to float, as before the table existed) and grown to the largest position seen. A
     * prefill applies rope to q and k of every layer at the same positions, so recomputing them cost
     * 2 x layers x T x half sin/cos pairs per forward: 3 % of a 128-token prefill.
     */
    private static final class RopeTable {
        final float[] invFreq;
        final int half;
        float[] cos = new float[0], sin = new float[0];
        int positions;

        RopeTable(float[] invFreq, int half) { this.invFreq = invFreq; this.half = half; }

        void cover(int maxPosition) {
            if (maxPosition < positions) return;
            int n = Math.max(maxPosition + 1, Math.min(2 * positions, Integer.MAX_VALUE / Math.max(1, half)));
            cos = java.util.Arrays.copyOf(cos, n * half);
            sin = java.util.Arrays.copyOf(sin, n * half);
            for (int p = positions; p < n; p++) {
                for (int i = 0; i < half; i++) {
                    double angle = (double) p * invFreq[i];
                    cos[p * half + i] = (float) Math.cos(angle);
                    sin[p * half + i] = (float) Math.sin(angle);
                }
            }
            positions = n;
        }
    }

    private RopeTable rope;

    private RopeTable ropeTable(float[] invFreq, int half, int[] positions) {
        if (invFreq.length < half) throw new IllegalArgumentException("rope: " + invFreq.length + " frequencies for head size " + 2 * half);
        // keyed by the frequency array itself: a model computes it once, so a new array means a new model
        if (rope == null || rope.invFreq != invFreq || rope.half != half) rope = new RopeTable(invFreq, half);
        int max = -1;
        for (int p : positions) {
            if (p < 0) throw new IllegalArgumentException("rope: negative position " + p);
            max = Math.max(max, p);
        }
        rope.cover(max);
        return rope;
    }

    @Override public void siluMul(Tensor gate, Tensor up) {
        float[] g = f(gate), u = f(up);
        pool.forRange(g.length, 4096, (s, e) -> VectorMath.siluMul(g, u, s, e));
    }

    @Override public void add(Tensor x, Tensor y) { VectorMath.addInPlace(f(x), f(y), f(x).length); }

    @Override public void copyRows(Tensor dst, int dstRow, Tensor src, int srcRow, int rows) {
        int cols = (int) src.cols();
        if (dst.cols() != cols) throw new IllegalArgumentException("copyRows: " + src + " and " + dst + " differ in width");
        System.arraycopy(f(src), srcRow * cols, f(dst), dstRow * cols, rows * cols);
    }

    // ---------------------------------------------------------------- attention

    @Override public void attention(Tensor out, Tensor q, int rowStart, int rows, Tensor keys, Tensor values, int kvLength,
                                    AttentionMask mask, int nHeads, int nKvHeads, int headSize) {
        float[] o = f(out), qa = f(q), k = f(keys), v = f(values);
        // enough query rows (x heads per kv head) to fill a block: blocks of rows x blocks of slots; else row by row
        if (FlashAttention.prefers(rows, nHeads, nKvHeads)) FlashAttention.run(pool, o, qa, rowStart, rows, k, v, kvLength, mask, nHeads, nKvHeads, headSize);
        else AttentionKernel.run(pool, o, qa, rowStart, rows, k, v, kvLength, mask, nHeads, nKvHeads, headSize);
    }

    // ---------------------------------------------------------------- matmul

    @Override public void matmul(Tensor out, Tensor x, Tensor w) { matmuls(new Tensor[]{out}, x, w); }

    /**
     * All of {@code ws} against one input in a single parallel op: the activations are quantised (and
     * widened) once, and the output rows of every matrix form one range of chunks, so q/k/v or
     * gate/up cost one dispatch instead of three or two.
     */
    @Override public void matmuls(Tensor[] outs, Tensor x, Tensor... ws) {
        if (outs.length != ws.length) throw new IllegalArgumentException("matmuls: " + outs.length + " outputs for " + ws.length + " weights");
        float[] xa = f(x);
        int T = (int) x.rows(), d = (int) x.cols();
        int[] firstRow = new int[ws.length + 1];
        boolean quantised = false, q4 = false;
        for (int m = 0; m < ws.length; m++) {
            Tensor out = outs[m], w = ws[m];
            if (w.cols() != d || out.cols() != w.rows() || out.rows() != T) {
                throw new IllegalArgumentException("matmul shapes: out " + out + " = x " + x + " . w " + w + "^T");
            }
            firstRow[m + 1] = firstRow[m] + (int) w.rows();
            quantised |= isQuantised(w);
            q4 |= w.dtype() == DType.Q4_0;
        }
        Input in = quantised ? quantisedInput(xa, T, d, q4) : new Input(xa, T, d, null, null, null, null, null);
        float[][] o = new float[ws.length][];
        for (int m = 0; m < ws.length; m++) o[m] = f(outs[m]);
        pool.forRange(firstRow[ws.length], rowGrain(T, d), (s, e) -> {
            // a chunk may straddle matrices: cut it at their boundaries
            for (int m = 0; m < ws.length; m++) {
                int a = Math.max(s, firstRow[m]), b = Math.min(e, firstRow[m + 1]);
                if (a < b) rows(o[m], in, ws[m], a - firstRow[m], b - firstRow[m]);
            }
        });
    }

    /**
     * The input of a matmul in every form the kernels read: floats, and for quantised weights its Q8_0
     * quantisation ({@code q}, {@code scales}), int16-widened ({@code wide}), Q4_0's per-block offset
     * corrections ({@code q4corr}, 8 ints per block), or for prefill the dequantised Q8_0 values ({@code dequant}) that quantised
     * weights multiply.
     */
    private record Input(float[] x, int T, int d, byte[] q, float[] scales, short[] wide, int[] q4corr, float[] dequant) {}

    private static boolean isQuantised(Tensor w) { return w.dtype() == DType.Q8_0 || w.dtype() == DType.Q4_0; }

    /** Rows {@code [r0, r1)} of {@code w} against every input row. */
    private static void rows(float[] o, Input in, Tensor w, int r0, int r1) {
        int T = in.T(), n = (int) w.rows(), d = in.d();
        if (T >= gemmRows(w)) {
            // prefill: quantised weights see the same Q8_0 activation values as in decode, dequantised
            PrefillGemm.rows(o, isQuantised(w) ? in.dequant() : in.x(), w, T, n, d, r0, r1);
            return;
        }
        MemorySegment ws = w.data();
        switch (w.dtype()) {
            case F32 -> FloatKernels.matmulF32Decode(o, in.x(), ws, T, n, d, r0, r1);
            case F16, BF16 -> FloatKernels.matmulHalf(o, in.x(), ws, w.dtype(), T, n, d, r0, r1);
            case Q8_0, Q4_0 -> {
                if (in.wide() != null && w.dtype() == DType.Q8_0) QuantKernels.matmulQ8Wide(o, in.wide(), in.scales(), ws, T, n, d, r0, r1);
                else if (in.wide() != null) QuantKernels.matmulQ4Wide(o, in.wide(), in.scales(), in.q4corr(), ws, T, n, d, r0, r1);
                else if (w.dtype() == DType.Q8_0) QuantKernels.matmulQ8(o, in.q(), in.scales(), ws, T, n, d, r0, r1);
                else QuantKernels.matmulQ4(o, in.q(), in.scales(), ws, T, n, d, r0, r1);
            }
        }
    }

    /**
     * From how many input rows on {@code w} goes through {@link PrefillGemm}: below, the decode kernels
     * (each weight row read once, dotted with every token from L1) are faster, because the GEMM decodes
     * and transposes every weight once per call. Measured with the L1-sliced GEMM, two threads through
     * the worker pool (GemmCrossoverProbe in the tests, 2048 x 768 and 5632 x 2048, min of 160 interleaved rounds): F32 decode kernels
     * 62-84 GFLOP/s against the GEMM's 54-76 at 16 tokens, the GEMM ahead from 24 (65-95 against
     * 61-84); Q8_0 decode kernels ahead at 8 tokens (38-40 against 35), the GEMM from 12 (54-61 against
     * 38-48), Q4_0 the same (35 against 32 at 8, 48 against 34 at 12).
     */
    private static int gemmRows(Tensor w) { return isQuantised(w) ? QUANT_GEMM_ROWS : FLOAT_GEMM_ROWS; }

    static final int QUANT_GEMM_ROWS = 12, FLOAT_GEMM_ROWS = 24;

    /** Rows per chunk worth the hand-off: at least ~64K multiply-adds, so tiny models stay on one thread. */
    private static int rowGrain(int T, int d) {
        return Math.max(8, (1 << 16) / Math.max(1, T * d));
    }

    private byte[] xq = new byte[0];
    private float[] xs = new float[0];
    private short[] xw = new short[0];
    private int[] xcorr = new int[0];
    private float[] xdq = new float[0];

    /** Quantises {@code x} (T, d) to Q8_0 and prepares what the kernels for this T read; Q4_0 offset corrections only when {@code q4} (a Q4_0 weight is among the matrices). */
    private Input quantisedInput(float[] x, int T, int d, boolean q4) {
        if (d % 32 != 0) throw new IllegalArgumentException("quantised matmul needs an input width that is a multiple of 32, got " + d);
        int len = T * d, nb = len / 32;
        if (xq.length < len) { xq = new byte[len]; xs = new float[nb]; }
        byte[] q = xq;
        float[] s = xs;
        // prefill multiplies the dequantised values (the same numbers the int8 decode kernels see)
        if (T >= QUANT_GEMM_ROWS && xdq.length < len) xdq = new float[len];
        float[] xd = T >= QUANT_GEMM_ROWS ? xdq : null;
        pool.forRange(T, Math.max(1, (1 << 14) / d), (a, b) -> {
            for (int t = a; t < b; t++) {
                dev.minerva.tensor.Q8_0Codec.quantize(x, t * d, d, q, s);
                if (xd != null) dev.minerva.tensor.Q8_0Codec.dequantize(q, s, t * d, d, xd);
            }
        });
        if (xd != null) return new Input(x, T, d, q, s, null, null, xd);
        if (!QuantKernels.WIDE) return new Input(x, T, d, q, s, null, null, null);
        // decode on 256-bit machines: int16 activations, widened once for every weight row
        if (xw.length < len) xw = new short[len];
        for (int i = 0; i < len; i++) xw[i] = q[i];
        if (!q4) return new Input(x, T, d, q, s, xw, null, null);
        if (xcorr.length < nb * 8) xcorr = new int[nb * 8];
        QuantKernels.q4Corrections(q, nb, xcorr);
        return new Input(x, T, d, q, s, xw, xcorr, null);
    }

    @Override public void close() { pool.close(); }

    static float f16(MemorySegment s, long off) { return Float.float16ToFloat(s.get(ValueLayout.JAVA_SHORT_UNALIGNED, off)); }
}
