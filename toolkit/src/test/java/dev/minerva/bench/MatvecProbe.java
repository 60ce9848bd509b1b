package dev.minerva.bench;

import dev.minerva.backend.CpuBackend;
import dev.minerva.tensor.DType;
import dev.minerva.tensor.Tensor;
import dev.minerva.tensor.TensorCodec;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

/**
 * Quick single-matvec timing at TinyLlama shapes without JMH's fork: prints microseconds per
 * matmul and GB/s of weight bytes for each dtype, shape and thread count. Args: dtypes (comma list),
 * threads (comma list), tokens, optional shapes as {@code ROWSxCOLS,...} (default TinyLlama's), optional copies
 * (distinct matrices cycled through, default 1; enough of them to exceed the last-level cache make every matmul
 * stream its weights from DRAM, as a decode step does). {@code toolkit/scripts/matvec-vs-c.sh} runs it beside a
 * native reference with the same arguments.
 */
public final class MatvecProbe {
    public static void main(String[] args) {
        String[] dtypes = (args.length > 0 ? args[0] : "F32,Q8_0,Q4_0").split(",");
        String[] threadList = (args.length > 1 ? args[1] : "1,2").split(",");
        int tokens = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        int[][] shapes = {{5632, 2048}, {2048, 5632}, {32000, 2048}};
        if (args.length > 3) {
            String[] parts = args[3].split(",");
            shapes = new int[parts.length][];
            for (int i = 0; i < parts.length; i++) {
                String[] rc = parts[i].split("x");
                shapes[i] = new int[]{Integer.parseInt(rc[0]), Integer.parseInt(rc[1])};
            }
        }
        int copies = args.length > 4 ? Integer.parseInt(args[4]) : 1;
        for (String dt : dtypes) {
            for (int[] sh : shapes) {
                int rows = sh[0], cols = sh[1];
                try (Arena arena = Arena.ofShared()) {
                    SplittableRandom rnd = new SplittableRandom(1);
                    Tensor[] ws = new Tensor[copies];
                    ws[0] = Tensor.allocate(arena, "w", DType.valueOf(dt), rows, cols);
                    float[] row = new float[cols];
                    for (int r = 0; r < rows; r++) {
                        for (int i = 0; i < cols; i++) row[i] = (float) rnd.nextDouble(-1, 1);
                        TensorCodec.encode(row, 0, cols, ws[0], (long) r * cols);
                    }
                    for (int c = 1; c < copies; c++) {
                        ws[c] = Tensor.allocate(arena, "w" + c, DType.valueOf(dt), rows, cols);
                        ws[c].data().copyFrom(ws[0].data());
                    }
                    for (String th : threadList) {
                        try (CpuBackend b = new CpuBackend(Integer.parseInt(th))) {
                            Tensor x = b.allocate("x", tokens, cols), out = b.allocate("o", tokens, rows);
                            float[] xs = new float[tokens * cols];
                            for (int i = 0; i < xs.length; i++) xs[i] = (float) rnd.nextDouble(-1, 1);
                            b.write(x, xs);
                            long bytes = ws[0].data().byteSize();
                            int reps = (int) Math.max(20, 4e9 / bytes / 4);
                            for (int i = 0; i < reps; i++) b.matmul(out, x, ws[i % copies]);
                            double best = Double.MAX_VALUE;
                            for (int k = 0; k < 5; k++) {
                                long t0 = System.nanoTime();
                                for (int i = 0; i < reps; i++) b.matmul(out, x, ws[i % copies]);
                                best = Math.min(best, (System.nanoTime() - t0) / 1e3 / reps);
                            }
                            System.out.printf("%-5s %5dx%-5d T=%d thr=%s copies=%d  %9.1f us  %6.2f GB/s%n", dt, rows, cols, tokens, th, copies, best, bytes / best / 1e3);
                        }
                    }
                }
            }
        }
    }
}
