package dev.minerva.bench;

import dev.minerva.backend.AttentionMask;
import dev.minerva.backend.Backend;
import dev.minerva.tensor.DType;
import dev.minerva.tensor.Tensor;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link Backend} that times every op of the one it wraps: wall time per op kind, with matmuls
 * split by weight field and dtype ({@code matmul w1 Q8_0}), so a decode step can be read as "where
 * the milliseconds go". Meant for synchronous backends (the CPU); an asynchronous GPU backend would
 * time launches, not kernels. The clock is read twice per op (~50 ns), a few microseconds per step.
 */
public final class OpProfile implements Backend {

    /**
     * One row of the profile.
     *
     * @param op          op kind, matmuls as {@code matmul <field> <dtype>}
     * @param calls       calls while recording
     * @param nanos       total wall time
     * @param weightBytes bytes of weights the calls read (matmul and embedding rows; 0 for other ops)
     */
    public record Row(String op, long calls, long nanos, long weightBytes) {
        /** Weight bytes per second of wall time (NaN for ops without weights). */
        public double bytesPerSecond() { return weightBytes == 0 ? Double.NaN : weightBytes / (nanos / 1e9); }
    }

    private final Backend inner;
    /** phase -> op -> {calls, nanos, bytes}; ops outside any phase are not recorded. */
    private final Map<String, Map<String, long[]>> phases = new LinkedHashMap<>();
    private Map<String, long[]> stats;

    public OpProfile(Backend inner) { this.inner = inner; }

    /** The backend whose ops are timed. */
    public Backend inner() { return inner; }

    /** Records the following ops under {@code phase} (starting it afresh). */
    public void phase(String phase) {
        stats = new LinkedHashMap<>();
        phases.put(phase, stats);
    }

    /** Stops recording (later ops run untimed). */
    public void stop() { stats = null; }

    /** The phases recorded, in order. */
    public List<String> phases() { return List.copyOf(phases.keySet()); }

    /** The ops recorded in {@code phase}, slowest first (empty for an unknown phase). */
    public List<Row> rows(String phase) {
        List<Row> out = new ArrayList<>();
        phases.getOrDefault(phase, Map.of()).forEach((k, v) -> out.add(new Row(k, v[0], v[1], v[2])));
        out.sort(Comparator.comparingLong(Row::nanos).reversed());
        return out;
    }

    /** Total wall time of the ops recorded in {@code phase}. */
    public long totalNanos(String phase) { return rows(phase).stream().mapToLong(Row::nanos).sum(); }

    private void add(String op, long t0, long bytes) {
        long dt = System.nanoTime() - t0;
        if (stats == null) return;
        long[] s = stats.computeIfAbsent(op, k -> new long[3]);
        s[0]++;
        s[1] += dt;
        s[2] += bytes;
    }

    /** {@code layers.3.w1} → {@code w1}; names without a layer stay whole. */
    private static String field(Tensor w) {
        String n = w.name();
        return n.startsWith("layers.") ? n.substring(n.lastIndexOf('.') + 1) : n;
    }

    @Override public String name() { return inner.name(); }

    @Override public boolean supports(Op op, DType dtype) { return inner.supports(op, dtype); }

    @Override public Tensor allocate(String name, long... shape) { return inner.allocate(name, shape); }

    @Override public void free(Tensor t) { inner.free(t); }

    @Override public Tensor load(Tensor weight) { return inner.load(weight); }

    @Override public void write(Tensor dst, float[] src) {
        long t0 = System.nanoTime();
        inner.write(dst, src);
        add("write", t0, 0);
    }

    @Override public float[] read(Tensor src, int row, int rows) {
        long t0 = System.nanoTime();
        float[] r = inner.read(src, row, rows);
        add("read", t0, 0);
        return r;
    }

    @Override public void embedding(Tensor out, Tensor table, int[] tokens) {
        long t0 = System.nanoTime();
        inner.embedding(out, table, tokens);
        add("embedding", t0, tokens.length * (table.byteSize() / Math.max(1, table.rows())));
    }

    @Override public void rmsnorm(Tensor out, Tensor x, Tensor weight, float eps) {
        long t0 = System.nanoTime();
        inner.rmsnorm(out, x, weight, eps);
        add("rmsnorm", t0, 0);
    }

    @Override public void matmul(Tensor out, Tensor x, Tensor w) {
        long t0 = System.nanoTime();
        inner.matmul(out, x, w);
        add("matmul " + field(w) + " " + w.dtype(), t0, w.byteSize());
    }

    @Override public void matmuls(Tensor[] outs, Tensor x, Tensor... ws) {
        long t0 = System.nanoTime();
        inner.matmuls(outs, x, ws);
        StringBuilder op = new StringBuilder("matmul ");
        long bytes = 0;
        for (int i = 0; i < ws.length; i++) {
            op.append(i == 0 ? "" : "+").append(field(ws[i]));
            bytes += ws[i].byteSize();
        }
        add(op.append(' ').append(ws[0].dtype()).toString(), t0, bytes);
    }

    @Override public void rope(Tensor x, int[] positions, int headSize, float[] invFreq) {
        long t0 = System.nanoTime();
        inner.rope(x, positions, headSize, invFreq);
        add("rope", t0, 0);
    }

    @Override public void attention(Tensor out, Tensor q, int rowStart, int rows, Tensor keys, Tensor values, int kvLength,
                                    AttentionMask mask, int nHeads, int nKvHeads, int headSize) {
        long t0 = System.nanoTime();
        inner.attention(out, q, rowStart, rows, keys, values, kvLength, mask, nHeads, nKvHeads, headSize);
        add("attention", t0, 0);
    }

    @Override public void siluMul(Tensor gate, Tensor up) {
        long t0 = System.nanoTime();
        inner.siluMul(gate, up);
        add("silu_mul", t0, 0);
    }

    @Override public void add(Tensor x, Tensor y) {
        long t0 = System.nanoTime();
        inner.add(x, y);
        add("add", t0, 0);
    }

    @Override public void copyRows(Tensor dst, int dstRow, Tensor src, int srcRow, int rows) {
        long t0 = System.nanoTime();
        inner.copyRows(dst, dstRow, src, srcRow, rows);
        add("copy_rows", t0, 0);
    }

    @Override public void close() { inner.close(); }
}
