package dev.minerva.backend;

import dev.minerva.tensor.DType;
import dev.minerva.tensor.Tensor;

/**
 * Test decorators' base: every {@link Backend} call goes to the wrapped backend, and a subclass overrides
 * only what it observes or changes. {@link #matmuls} is deliberately not forwarded: the interface's
 * default sends each weight through {@link #matmul}, so a subclass that intercepts {@code matmul} sees
 * every matmul, fused or not.
 */
public abstract class ForwardingBackend implements Backend {
    protected final Backend inner;

    protected ForwardingBackend(Backend inner) { this.inner = inner; }

    @Override public String name() { return inner.name(); }
    @Override public boolean supports(Op op, DType dtype) { return inner.supports(op, dtype); }
    @Override public Tensor allocate(String name, long... shape) { return inner.allocate(name, shape); }
    @Override public void free(Tensor t) { inner.free(t); }
    @Override public Tensor load(Tensor weight) { return inner.load(weight); }
    @Override public void write(Tensor dst, float[] src) { inner.write(dst, src); }
    @Override public float[] read(Tensor src, int row, int rows) { return inner.read(src, row, rows); }
    @Override public void embedding(Tensor out, Tensor table, int[] tokens) { inner.embedding(out, table, tokens); }
    @Override public void rmsnorm(Tensor out, Tensor x, Tensor weight, float eps) { inner.rmsnorm(out, x, weight, eps); }
    @Override public void matmul(Tensor out, Tensor x, Tensor w) { inner.matmul(out, x, w); }
    @Override public void rope(Tensor x, int[] positions, int headSize, float[] invFreq) { inner.rope(x, positions, headSize, invFreq); }
    @Override public void attention(Tensor out, Tensor q, int rowStart, int rows, Tensor keys, Tensor values, int kvLength,
                                    AttentionMask mask, int nHeads, int nKvHeads, int headSize) {
        inner.attention(out, q, rowStart, rows, keys, values, kvLength, mask, nHeads, nKvHeads, headSize);
    }
    @Override public void siluMul(Tensor gate, Tensor up) { inner.siluMul(gate, up); }
    @Override public void add(Tensor x, Tensor y) { inner.add(x, y); }
    @Override public void copyRows(Tensor dst, int dstRow, Tensor src, int srcRow, int rows) { inner.copyRows(dst, dstRow, src, srcRow, rows); }
    @Override public void close() { inner.close(); }
}
