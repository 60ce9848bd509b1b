/**
 * Latency/throughput measurement: machine probes ({@link dev.minerva.bench.TriadBandwidth} STREAM-style
 * memory bandwidth, {@link dev.minerva.bench.FmaThroughput} Vector API FMA peak,
 * {@link dev.minerva.bench.MachineProbe} both at one thread and all cores: the measured roofline of this
 * machine) and engine benchmarks.
 */
package dev.minerva.bench;
