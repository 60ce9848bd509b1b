package dev.minerva.lab.calibration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class SensitivityCacheTest {
    @TempDir Path dir;

    /** Real proxy values on real arrays; the test counts which cells are computed. */
    @Test void resumesWithoutRecomputingCachedEntries() throws IOException {
        List<QuantTarget> targets = List.of(new QuantTarget("a", 0, 8, 64), new QuantTarget("b", 0, 8, 64), new QuantTarget("c", 1, 8, 64));
        List<String> formats = List.of("q8_0", "q4_0");
        java.util.Map<String, float[]> w = new java.util.HashMap<>();
        for (QuantTarget t : targets) w.put(t.name(), WeightFormatTest.gaussian(8 * 64, t.name().hashCode(), 0.1));
        List<String> computed = new ArrayList<>();

        // first run: interrupted after 3 of 6 cells
        SensitivityCache c1 = new SensitivityCache(dir, "modelsha", "calib");
        int n = 0;
        outer:
        for (QuantTarget t : targets) {
            for (String f : formats) {
                if (n++ == 3) break outer;
                c1.getOrCompute("weight_mse", t.name(), f, () -> { computed.add(t.name() + "/" + f); return mse(w.get(t.name()), f); });
            }
        }
        assertEquals(3, computed.size());
        assertTrue(Files.exists(c1.file()));

        // restart: a fresh cache object reads the file; only the 3 missing cells are computed
        computed.clear();
        SensitivityCache c2 = new SensitivityCache(dir, "modelsha", "calib");
        assertEquals(3, c2.size());
        for (QuantTarget t : targets) {
            for (String f : formats) {
                double v = c2.getOrCompute("weight_mse", t.name(), f, () -> { computed.add(t.name() + "/" + f); return mse(w.get(t.name()), f); });
                assertEquals(mse(w.get(t.name()), f), v, 0, t.name() + "/" + f + ": cached value differs from a fresh computation");
            }
        }
        assertEquals(List.of("b/q4_0", "c/q8_0", "c/q4_0"), computed);
        assertEquals(3, c2.hits());
        assertEquals(3, c2.misses());

        // a different calibration set gets its own file; a file of another model is refused
        assertEquals(0, new SensitivityCache(dir, "modelsha", "other").size());
        Files.copy(c1.file(), dir.resolve("sensitivity-othermodel-calib.json"));
        IOException e = assertThrows(IOException.class, () -> new SensitivityCache(dir, "othermodel", "calib"));
        assertTrue(e.getMessage().contains("modelSha256"), e.getMessage());
    }

    static double mse(float[] w, String f) {
        float[] q = WeightFormats.get(f).fakeQuantise(w, 8, 64);
        double s = 0;
        for (int i = 0; i < w.length; i++) s += (w[i] - q[i]) * (w[i] - q[i]);
        return s / w.length;
    }
}
