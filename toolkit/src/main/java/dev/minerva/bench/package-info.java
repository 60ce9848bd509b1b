/**
 * Measurement harnesses: machine probes ({@link dev.minerva.bench.TriadBandwidth} STREAM-style memory
 * bandwidth, {@link dev.minerva.bench.FmaThroughput} Vector API FMA peak, {@link dev.minerva.bench.MachineProbe}
 * both at one thread and all cores) and, later, latency/throughput of the engine (TTFT, TPOT, t/s vs batch).
 */
package dev.minerva.bench;
