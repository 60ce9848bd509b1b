package dev.minerva.lab.calibration;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class WeightFormatTest {

    static float[] gaussian(int n, long seed, double sd) {
        Random r = new Random(seed);
        float[] w = new float[n];
        for (int i = 0; i < n; i++) w[i] = (float) (r.nextGaussian() * sd);
        return w;
    }

    @Test void exactBytesPerWeight() {
        // a 64 x 128 matrix
        assertEquals(64 * 128 * 4, WeightFormats.get("f32").byteSize(64, 128));
        assertEquals(16.0, WeightFormats.get("f16").bitsPerWeight(64, 128), 0);
        assertEquals(16.0, WeightFormats.get("bf16").bitsPerWeight(64, 128), 0);
        assertEquals(8.5, WeightFormats.get("q8_0").bitsPerWeight(64, 128), 0);
        assertEquals(4.5, WeightFormats.get("q4_0").bitsPerWeight(64, 128), 0);
        assertEquals(8 + 32.0 / 128, WeightFormats.get("int8_pc").bitsPerWeight(64, 128), 0);
        assertEquals(5.0, WeightFormats.get("i4_g32").bitsPerWeight(64, 128), 0);
        assertEquals(4.5, WeightFormats.get("i4_g64").bitsPerWeight(64, 128), 0);
        assertEquals(4.25, WeightFormats.get("i4_g128").bitsPerWeight(64, 128), 0);
        for (String id : WeightFormats.ids()) {
            WeightFormat f = WeightFormats.get(id);
            float[] w = gaussian(64 * 128, 1, 0.1);
            assertEquals(f.byteSize(64, 128), f.encode(w, 64, 128).length, id + ": encoded length");
        }
    }

    @Test void blockSizeMustDivideRow() {
        assertNotNull(WeightFormats.get("q4_0").incompatibility(64, 172));
        assertNotNull(WeightFormats.get("i4_g64").incompatibility(64, 96));
        assertNull(WeightFormats.get("i4_g32").incompatibility(64, 96));
        assertNull(WeightFormats.get("int8_pc").incompatibility(64, 172));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WeightFormats.get("q8_0").fakeQuantise(new float[64 * 172], 64, 172));
        assertTrue(e.getMessage().contains("172"), e.getMessage());
    }

    @Test void int8PerChannelErrorBound() {
        int rows = 16, cols = 96;
        float[] w = gaussian(rows * cols, 2, 0.3);
        w[5] = 4f; // an outlier only widens row 0's scale
        float[] q = WeightFormats.get("int8_pc").fakeQuantise(w, rows, cols);
        for (int i = 0; i < rows; i++) {
            float amax = 0;
            for (int j = 0; j < cols; j++) amax = Math.max(amax, Math.abs(w[i * cols + j]));
            float s = amax / 127f;
            for (int j = 0; j < cols; j++) {
                float err = Math.abs(w[i * cols + j] - q[i * cols + j]);
                assertTrue(err <= s / 2 * 1.0001f + 1e-7f, "row " + i + " col " + j + " err " + err + " > s/2 = " + s / 2);
            }
        }
    }

    @Test void int4GroupErrorBoundAndExtremes() {
        for (int g : new int[]{32, 64, 128}) {
            int rows = 8, cols = 256;
            float[] w = gaussian(rows * cols, g, 0.05);
            for (int i = 0; i < w.length; i += 7) w[i] += 0.1f; // asymmetric groups
            float[] q = new Int4GroupFormat(g).fakeQuantise(w, rows, cols);
            double maxRel = 0;
            for (int gs = 0; gs < w.length; gs += g) {
                float lo = Float.POSITIVE_INFINITY, hi = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < g; j++) { lo = Math.min(lo, w[gs + j]); hi = Math.max(hi, w[gs + j]); }
                float d = (hi - lo) / 15f;
                float dh = Float.float16ToFloat(Float.floatToFloat16(d));
                float mh = Float.float16ToFloat(Float.floatToFloat16(lo));
                // rounding to the grid (d/2) plus what f16 storage of d and min can shift the grid
                double bound = dh / 2 + Math.abs(lo - mh) + 15 * Math.abs(d - dh) + 1e-6;
                for (int j = 0; j < g; j++) {
                    double err = Math.abs(w[gs + j] - q[gs + j]);
                    assertTrue(err <= bound, "g" + g + " index " + (gs + j) + " err " + err + " > bound " + bound);
                    maxRel = Math.max(maxRel, err / d);
                }
            }
            assertTrue(maxRel > 0.3, "errors should reach ~d/2, saw " + maxRel); // the check can fail if the codec were lossless
        }
    }

    @Test void ggmlQ4_0AndQ8_0MatchTheirDefinitions() {
        float[] w = gaussian(2 * 64, 3, 1.0);
        float[] q8 = WeightFormats.get("q8_0").fakeQuantise(w, 2, 64);
        float[] q4 = WeightFormats.get("q4_0").fakeQuantise(w, 2, 64);
        for (int b = 0; b < 4; b++) {
            float amax = 0, max = 0;
            for (int j = 0; j < 32; j++) {
                float v = w[b * 32 + j];
                if (Math.abs(v) > amax) { amax = Math.abs(v); max = v; }
            }
            float d8 = Float.float16ToFloat(Float.floatToFloat16(amax / 127));
            float d4 = Float.float16ToFloat(Float.floatToFloat16(max / -8));
            for (int j = 0; j < 32; j++) {
                int i = b * 32 + j;
                assertEquals(Math.round(w[i] * (127 / amax)) * d8, q8[i], 1e-6, "q8_0 index " + i);
                int q = Math.min(15, (int) (w[i] / (max / -8f) + 8.5f));
                assertEquals((q - 8) * d4, q4[i], 1e-6, "q4_0 index " + i);
            }
        }
    }

    @Test void floatCastsRoundTrip() {
        float[] w = {1f, -2.5f, 1e-3f, 3.14159265f, 65504f, 0f};
        float[] h = WeightFormats.get("f16").fakeQuantise(w, 1, 6);
        float[] b = WeightFormats.get("bf16").fakeQuantise(w, 1, 6);
        float[] f = WeightFormats.get("f32").fakeQuantise(w, 1, 6);
        assertArrayEquals(w, f);
        for (int i = 0; i < w.length; i++) {
            assertEquals(w[i], h[i], Math.abs(w[i]) * 0x1p-11 + 1e-7, "f16 index " + i);
            assertEquals(w[i], b[i], Math.abs(w[i]) * 0x1p-8, "bf16 index " + i);
        }
        assertEquals(Float.intBitsToFloat(0x40490000), b[3]); // pi rounds to 3.140625 in bf16
    }
}
