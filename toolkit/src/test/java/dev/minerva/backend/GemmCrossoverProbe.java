package dev.minerva.backend;
import dev.minerva.tensor.*;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;

/**
 * Where prefill's GEMM overtakes the decode kernels ({@code CpuBackend.QUANT_GEMM_ROWS}, {@code FLOAT_GEMM_ROWS}):
 * both paths timed on the same weights and tokens for T = 4..64, two threads through the worker pool,
 * interleaved in one JVM, min of 160 rounds. Args: dtypes (comma list), rows, cols.
 */
public final class GemmCrossoverProbe {
    public static void main(String[] a) {
        int n = Integer.parseInt(a[1]), d = Integer.parseInt(a[2]);
        Arena arena = Arena.ofShared();
        SplittableRandom rnd = new SplittableRandom(1);
        WorkerPool pool = new WorkerPool(2);
        for (String dt : a[0].split(",")) {
            Tensor w = Tensor.allocate(arena, "w", DType.valueOf(dt), n, d);
            float[] row = new float[d];
            for (int r = 0; r < n; r++) { for (int i = 0; i < d; i++) row[i] = (float) rnd.nextDouble(-1, 1); TensorCodec.encode(row, 0, d, w, (long) r * d); }
            for (int T : new int[]{4, 8, 12, 16, 24, 32, 48, 64}) {
                float[] x = new float[T * d]; for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextDouble(-1, 1);
                byte[] q = new byte[T * d]; float[] s = new float[T * d / 32]; short[] xw = new short[T * d]; int[] xc = new int[T * d / 32 * 8]; float[] xd = new float[T * d];
                boolean quant = w.dtype() == DType.Q8_0 || w.dtype() == DType.Q4_0;
                if (quant) { for (int t = 0; t < T; t++) { Q8_0Codec.quantize(x, t * d, d, q, s); Q8_0Codec.dequantize(q, s, t * d, d, xd); } for (int i = 0; i < q.length; i++) xw[i] = q[i]; QuantKernels.q4Corrections(q, T * d / 32, xc); }
                float[] o1 = new float[T * n], o2 = new float[T * n];
                int grain = Math.max(8, (1 << 16) / (T * d));
                double b1 = 1e18, b2 = 1e18;
                for (int k = 0; k < 200; k++) {
                    long t0 = System.nanoTime();
                    final int TT = T;
                    pool.forRange(n, grain, (r0, r1) -> {
                        switch (w.dtype()) {
                            case F32 -> FloatKernels.matmulF32Decode(o1, x, w.data(), TT, n, d, r0, r1);
                            case Q8_0 -> QuantKernels.matmulQ8Wide(o1, xw, s, w.data(), TT, n, d, r0, r1);
                            case Q4_0 -> QuantKernels.matmulQ4Wide(o1, xw, s, xc, w.data(), TT, n, d, r0, r1);
                            default -> FloatKernels.matmulHalf(o1, x, w.data(), w.dtype(), TT, n, d, r0, r1);
                        }
                    });
                    long t1 = System.nanoTime();
                    pool.forRange(n, grain, (r0, r1) -> PrefillGemm.rows(o2, quant ? xd : x, w, TT, n, d, r0, r1));
                    long t2 = System.nanoTime();
                    if (k > 40) { b1 = Math.min(b1, t1 - t0); b2 = Math.min(b2, t2 - t1); }
                }
                System.out.printf("%s %dx%d T=%d decode-kernel %.1f GFLOP/s  gemm %.1f GFLOP/s%n", dt, n, d, T, 2.0 * T * n * d / b1, 2.0 * T * n * d / b2);
            }
        }
        pool.close();
    }
}
