package dev.minerva.lab.roofline;

import dev.minerva.bench.MachineProbe;
import dev.minerva.bench.TriadBandwidth;
import dev.minerva.record.Machine;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Devices with their published peaks, each with its source. All tensor numbers are dense: NVIDIA
 * datasheets print the 2:4-sparsity figure (2× dense) with an asterisk; we halve it. GeForce cards
 * run fp16 tensor math with fp32 accumulation at half the fp16-accumulate rate; LLM kernels
 * accumulate in fp32, so that rate is used. Apple does not publish GPU FLOP rates for these chips:
 * those are estimates (GPU cores × 128 fp32 lanes × 2 × clock), marked as such.
 * {@value #THIS_MACHINE} is measured on demand ({@link MachineProbe}).
 */
public final class HardwareCatalog {
    private HardwareCatalog() {}

    public static final String THIS_MACHINE = "this-machine";
    private static final double NA = Double.NaN;
    private static final Map<String, Hardware> CATALOG = new LinkedHashMap<>();

    static {
        add(new Hardware("t4", "NVIDIA T4", 320, 8.1, 65, 130, 4, 16, false,
                "NVIDIA T4 Tensor Core GPU datasheet, https://www.nvidia.com/en-us/data-center/tesla-t4/",
                "fp16 = mixed-precision FP16/FP32 tensor peak; Turing has no 2:4 sparsity"));
        add(new Hardware("a100-40gb", "NVIDIA A100 40GB SXM", 1555, 19.5, 312, 624, 40, 40, false,
                "NVIDIA A100 Tensor Core GPU datasheet, https://www.nvidia.com/en-us/data-center/a100/ (L2: NVIDIA A100 Tensor Core GPU Architecture whitepaper)",
                "dense (datasheet sparse figures 624 / 1248 halved)"));
        add(new Hardware("a100-80gb", "NVIDIA A100 80GB SXM", 2039, 19.5, 312, 624, 40, 80, false,
                "NVIDIA A100 Tensor Core GPU datasheet, https://www.nvidia.com/en-us/data-center/a100/",
                "dense (datasheet sparse figures 624 / 1248 halved)"));
        add(new Hardware("h100-sxm", "NVIDIA H100 SXM", 3350, 67, 989.5, 1979, 50, 80, false,
                "NVIDIA H100 Tensor Core GPU datasheet, https://www.nvidia.com/en-us/data-center/h100/ (L2: NVIDIA H100 Tensor Core GPU Architecture whitepaper)",
                "dense (datasheet sparse figures 1,979 / 3,958 halved); fp8 = int8 rate"));
        add(new Hardware("h100-pcie", "NVIDIA H100 PCIe", 2000, 51, 756.5, 1513, 50, 80, false,
                "NVIDIA H100 Tensor Core GPU datasheet, https://www.nvidia.com/en-us/data-center/h100/; NVIDIA H100 PCIe GPU product brief PB-11133-001",
                "dense (datasheet sparse figures 1,513 / 3,026 halved)"));
        add(new Hardware("h200", "NVIDIA H200 SXM", 4800, 67, 989.5, 1979, 50, 141, false,
                "NVIDIA H200 Tensor Core GPU datasheet, https://www.nvidia.com/en-us/data-center/h200/",
                "dense (datasheet sparse figures 1,979 / 3,958 halved); same GH100 compute as H100 SXM"));
        add(new Hardware("l4", "NVIDIA L4", 300, 30.3, 121, 242.5, 48, 24, false,
                "NVIDIA L4 Tensor Core GPU datasheet, https://www.nvidia.com/en-us/data-center/l4/ (L2: NVIDIA Ada GPU Architecture whitepaper)",
                "dense (datasheet sparse figures 242 / 485 halved)"));
        add(new Hardware("rtx-3090", "NVIDIA GeForce RTX 3090", 936, 35.6, 71, 284, 6, 24, false,
                "NVIDIA Ampere GA102 GPU Architecture whitepaper (RTX 3090 specifications table)",
                "fp16 with fp32 accumulate, dense (142 with fp16 accumulate)"));
        add(new Hardware("rtx-4090", "NVIDIA GeForce RTX 4090", 1008, 82.6, 165.2, 660.6, 72, 24, false,
                "NVIDIA Ada GPU Architecture whitepaper (RTX 4090 specifications table)",
                "fp16 with fp32 accumulate, dense (330.3 with fp16 accumulate)"));
        add(new Hardware("m2-max", "Apple M2 Max (38-core GPU)", 400, 13.6, 13.6, 13.6, NA, 96, false,
                "Apple newsroom, 'Apple unveils M2 Pro and M2 Max' (January 2023): 400GB/s unified memory",
                "FLOP rates are estimates (38 cores x 128 lanes x 2 x 1.398 GHz); no separate fp16/int8 matrix rate on the GPU"));
        add(new Hardware("m3-max", "Apple M3 Max (40-core GPU)", 400, 14.1, 14.1, 14.1, NA, 128, false,
                "Apple newsroom, 'Apple unveils M3, M3 Pro, and M3 Max' (October 2023): up to 400GB/s (16-core CPU / 40-core GPU)",
                "FLOP rates are estimates (40 cores x 128 lanes x 2 x 1.38 GHz); no separate fp16/int8 matrix rate on the GPU"));
    }

    private static void add(Hardware h) { CATALOG.put(h.id(), h); }

    private static volatile Hardware measuredCache;

    /** Catalog ids plus {@value #THIS_MACHINE}. */
    public static List<String> names() {
        List<String> n = new ArrayList<>(CATALOG.keySet());
        n.add(THIS_MACHINE);
        return Collections.unmodifiableList(n);
    }

    /** The datasheet entries (without this machine). */
    public static List<Hardware> datasheets() { return List.copyOf(CATALOG.values()); }

    /**
     * The device called {@code id} (case-insensitive); {@value #THIS_MACHINE} is probed once per JVM (quick effort).
     *
     * @throws IllegalArgumentException listing the known names
     */
    public static Hardware get(String id) {
        String k = id.toLowerCase(Locale.ROOT);
        if (k.equals(THIS_MACHINE)) {
            Hardware h = measuredCache;
            if (h == null) measuredCache = h = measured(MachineProbe.measure(MachineProbe.Effort.QUICK));
            return h;
        }
        Hardware h = CATALOG.get(k);
        if (h == null) throw new IllegalArgumentException("unknown hardware '" + id + "'; known: " + String.join(", ", names()));
        return h;
    }

    /**
     * This machine as a roofline device: all-core triad bandwidth and all-core Vector API FMA rate.
     * The CPU backend computes fp16 and quantised weights in f32 after conversion, so every compute
     * type gets the fp32 rate.
     */
    public static Hardware measured(MachineProbe p) {
        double tflops = p.fmaGflopsAll() / 1000;
        double llcMiB = TriadBandwidth.lastLevelCacheBytes() / (1024.0 * 1024.0);
        double memGiB = NA;
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            memGiB = os.getTotalMemorySize() / (1024.0 * 1024 * 1024);
        }
        String cpu = Machine.probe().cpuModel();
        return new Hardware(THIS_MACHINE, cpu + " (" + p.threads() + " threads)", p.triadGbPerSecondAll(), tflops, tflops, tflops,
                llcMiB, memGiB, true,
                String.format(Locale.ROOT, "measured: STREAM-style triad (Java, %d threads, 3 x %d MiB arrays, best pass) %.1f GB/s "
                                + "(1 thread %.1f); Vector API FMA (%d-bit, %d chains per thread) %.1f GFLOP/s (1 thread %.1f)",
                        p.threads(), p.triadArrayBytes() >> 20, p.triadGbPerSecondAll(), p.triadGbPerSecond1(), p.vectorBits(),
                        dev.minerva.bench.FmaThroughput.CHAINS,
                        p.fmaGflopsAll(), p.fmaGflops1()),
                "CPU backend: fp16/int8 computed in f32, so all compute types use the fp32 FMA rate");
    }
}
