/**
 * Latency/throughput measurement: machine probes ({@link dev.minerva.bench.TriadBandwidth} STREAM-style
 * memory bandwidth, {@link dev.minerva.bench.FmaThroughput} Vector API FMA peak,
 * {@link dev.minerva.bench.MachineProbe} both at one thread and all cores: the measured roofline of this
 * machine; {@link dev.minerva.bench.Yardsticks}, measured beside each timed run), engine benchmarks
 * ({@link dev.minerva.bench.DecodeBenchmark}, warmed up until the JIT is quiet: {@link dev.minerva.bench.JitWatch}) and {@link dev.minerva.bench.OpProfile}, which times every op of a forward pass.
 */
package dev.minerva.bench;
