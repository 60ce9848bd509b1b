package dev.minerva.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** Small, fast runs: the probes produce plausible, positive numbers (not a benchmark). */
class MachineProbeTest {

    @Test
    void triadOnSmallArraysIsPositiveAndChecked() {
        TriadBandwidth.Result r = TriadBandwidth.measure(8L << 20, 2, 2);
        assertTrue(r.gbPerSecond() > 0.1 && r.gbPerSecond() < 10_000, "GB/s " + r.gbPerSecond());
        assertEquals(8L << 20, r.arrayBytes());
        assertTrue(TriadBandwidth.defaultArrayBytes() >= 4 * TriadBandwidth.lastLevelCacheBytes());
    }

    @Test
    void fmaRateIsPositive() {
        FmaThroughput.Result r = FmaThroughput.measure(1, 200_000, 2);
        assertTrue(r.gflops() > 0.1 && r.gflops() < 100_000, "GFLOP/s " + r.gflops());
        assertTrue(r.vectorBits() >= 64);
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> TriadBandwidth.measure(1 << 20, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> FmaThroughput.measure(1, 0, 1));
    }
}
