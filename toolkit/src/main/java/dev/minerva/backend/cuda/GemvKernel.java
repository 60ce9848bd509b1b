package dev.minerva.backend.cuda;

import java.util.Locale;

/**
 * The decode GEMV kernels of {@code gemv.cu}, kept side by side while GPU runs compare them (llm.c {@code dev/cuda}
 * style). {@link CudaBackend} uses {@link #configured()}: {@code -Dminerva.cuda.gemv=v1|v4}, default {@link #V1} until a
 * gpu-check run shows v4 faster; {@code gpu-check} checks and times both. Only the F16/BF16/Q8_0/Q4_0 entries with
 * at most {@value #V4_MAX_ROWS} activation rows have a v4; everything else runs v1.
 */
public enum GemvKernel {
    /** One warp per weight row, 16-byte loads, the compiler's unroll of 2; scales applied per weight. */
    V1(""),
    /** v1 with 4 loads in flight per lane before any is used, the streaming cache hint, and scales applied per block. */
    V4("_v4");

    static final int V4_MAX_ROWS = 8;

    private final String infix;

    GemvKernel(String infix) { this.infix = infix; }

    /** The infix of this version's entry names for {@code nb} rows: {@code gemv_q8_0<infix>_nb4}. */
    String infix(int nb) { return this == V4 && nb <= V4_MAX_ROWS ? infix : ""; }

    /** The version {@code -Dminerva.cuda.gemv} names (v1 or v4), else {@link #V1}. */
    static GemvKernel configured() {
        String v = System.getProperty("minerva.cuda.gemv", "v1").trim().toLowerCase(Locale.ROOT);
        for (GemvKernel g : values()) if (g.name().toLowerCase(Locale.ROOT).equals(v)) return g;
        throw new IllegalArgumentException("-Dminerva.cuda.gemv must be v1 or v4, got '" + v + "'");
    }

    @Override public String toString() { return name().toLowerCase(Locale.ROOT); }
}
