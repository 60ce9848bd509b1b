package dev.minerva.lab.roofline;

/** Op families; matmul-like ones run on tensor cores, the rest on vector units at the fp32 rate. */
public enum OpKind {
    MATMUL(true), ATTENTION(true), NORM(false), ELEMENTWISE(false), EMBEDDING(false), KV_WRITE(false);

    private final boolean tensorCores;

    OpKind(boolean tensorCores) { this.tensorCores = tensorCores; }

    /** Whether the op's FLOPs are bounded by the tensor (matrix) peak rather than the fp32 vector peak. */
    public boolean tensorCores() { return tensorCores; }
}
