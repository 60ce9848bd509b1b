package dev.minerva.backend;

import dev.minerva.tensor.DType;
import dev.minerva.tensor.Tensor;
import dev.minerva.tensor.TensorCodec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PrefillGemm#rows} against a float64 reference on the shapes the backend tests do not reach:
 * rows longer than one panel slice ({@link PrefillGemm#KC}, so later slices add to the first one's
 * sums), a row range that starts and ends inside a panel, and token counts around the 6-token tile.
 */
class PrefillGemmTest {
    static Arena arena;
    final SplittableRandom rnd = new SplittableRandom(5);

    @BeforeAll static void setUp() { arena = Arena.ofShared(); }

    @AfterAll static void tearDown() { arena.close(); }

    @ParameterizedTest @EnumSource(DType.class)
    void rowsMatchFloat64AcrossSlicesPanelsAndTiles(DType dt) {
        int n = 53;
        // quantised rows are whole 32-value blocks; float rows also end inside a vector
        int d = dt.isQuantized() ? 2 * PrefillGemm.KC + 96 : 2 * PrefillGemm.KC + 37;
        float[] wf = new float[n * d];
        for (int i = 0; i < wf.length; i++) wf[i] = (float) (rnd.nextDouble() * 2 - 1);
        Tensor w = Tensor.allocate(arena, "w", dt, n, d);
        TensorCodec.encode(wf, 0, wf.length, w, 0);
        float[] wd = TensorCodec.toFloats(w);
        for (int T : new int[]{1, 5, 6, 7, 12, 16, 17, 70}) {
            float[] x = new float[T * d];
            for (int i = 0; i < x.length; i++) x[i] = (float) (rnd.nextDouble() * 2 - 1);
            // rows [3, 50): the first and last panels are partial
            int r0 = 3, r1 = 50;
            float[] out = new float[T * n];
            Arrays.fill(out, Float.NaN);
            PrefillGemm.rows(out, x, w, T, n, d, r0, r1);
            for (int t = 0; t < T; t++) {
                for (int r = 0; r < n; r++) {
                    float got = out[t * n + r];
                    String at = dt + " T=" + T + " token " + t + " row " + r;
                    if (r < r0 || r >= r1) {
                        assertTrue(Float.isNaN(got), at + ": outside [" + r0 + ", " + r1 + ") but written: " + got);
                        continue;
                    }
                    double s = 0, mag = 0;
                    for (int i = 0; i < d; i++) { s += (double) wd[r * d + i] * x[t * d + i]; mag += Math.abs((double) wd[r * d + i] * x[t * d + i]); }
                    double err = Math.abs(got - s);
                    assertTrue(err <= 1e-6 * mag + 1e-6, at + ": got " + got + ", expected " + s + " (error " + err + ", sum of |terms| " + mag + ")");
                }
            }
        }
    }
}
