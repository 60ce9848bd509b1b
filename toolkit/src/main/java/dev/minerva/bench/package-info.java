/** Latency/throughput measurement: the memory-bandwidth roofline ({@link dev.minerva.bench.TriadBandwidth}) and engine benchmarks. */
package dev.minerva.bench;
