package dev.minerva.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The read-only stream probe: it reads every element (its own sum check), reports what it read, and rejects bad settings. */
class ReadBandwidthTest {
    @Test void readsEveryElementOnEachThread() {
        for (int threads : new int[]{1, 2, 3}) {
            // odd sizes: slices that are not multiples of the vector loop, a last slice shorter than the others
            ReadBandwidth.Result r = ReadBandwidth.measure((1 << 20) + 12, threads, 2);
            assertEquals(threads, r.threads());
            assertEquals((1 << 20) + 12, r.arrayBytes(), "bytes read per pass");
            assertTrue(r.gbPerSecond() > 0 && Double.isFinite(r.gbPerSecond()), "bandwidth " + r.gbPerSecond());
        }
    }

    @Test void rejectsBadSettings() {
        assertThrows(IllegalArgumentException.class, () -> ReadBandwidth.measure(1 << 20, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> ReadBandwidth.measure(1 << 20, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> ReadBandwidth.measure(8L << 30, 1, 1));
    }
}
