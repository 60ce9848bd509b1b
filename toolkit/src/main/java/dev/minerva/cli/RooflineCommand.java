package dev.minerva.cli;

import dev.minerva.lab.roofline.AttentionKind;
import dev.minerva.lab.roofline.Hardware;
import dev.minerva.lab.roofline.HardwareCatalog;
import dev.minerva.lab.roofline.OpBound;
import dev.minerva.lab.roofline.Phase;
import dev.minerva.lab.roofline.Roofline;
import dev.minerva.lab.roofline.RooflineReport;
import dev.minerva.lab.roofline.RooflineStudy;
import dev.minerva.lab.roofline.RooflineStudyConfig;
import dev.minerva.lab.roofline.StorageFormat;
import dev.minerva.lab.roofline.Workload;
import dev.minerva.model.ModelConfig;
import dev.minerva.model.ModelShapes;
import dev.minerva.record.Json;
import dev.minerva.record.Locations;
import dev.minerva.record.RecordedRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.Callable;

/** {@code minerva roofline}: per-op FLOPs, bytes, bounds and the tokens/s ceiling of a model on a device. */
@Command(name = "roofline", mixinStandardHelpOptions = true,
        description = {"Roofline of one forward step: per-op FLOPs, bytes, intensity, bound and time lower bound,",
                "the decode tokens/s ceiling and the batch where decode turns compute-bound.",
                "Subcommands: 'figures' records the study and its charts; 'hardware' lists the catalog."},
        subcommands = {RooflineCommand.Figures.class, RooflineCommand.HardwareList.class})
public final class RooflineCommand implements Callable<Integer> {

    @Option(names = "--model", defaultValue = "tinyllama-1.1b", paramLabel = "NAME|config.json",
            description = "preset name or a Hugging Face config.json (or a folder holding one); default ${DEFAULT-VALUE}")
    String model;

    @Option(names = "--hardware", defaultValue = "h100-sxm", paramLabel = "ID", description = "device id (see 'roofline hardware'); default ${DEFAULT-VALUE}")
    String hardware;

    @Option(names = "--batch", defaultValue = "1", description = "sequences per step; default ${DEFAULT-VALUE}")
    int batch;

    @Option(names = "--context", defaultValue = "512", description = "decode: attended positions; prefill: prompt length; default ${DEFAULT-VALUE}")
    int context;

    @Option(names = "--weights", defaultValue = "f16", description = "weight format: f32, f16, bf16, q8_0, q4_0, fp8, int8, int4 or bits; default ${DEFAULT-VALUE}")
    String weights;

    @Option(names = "--kv", defaultValue = "f16", description = "KV-cache format; default ${DEFAULT-VALUE}")
    String kv;

    @Option(names = "--acts", defaultValue = "f16", description = "activation format (int8 → int8 tensor peak); default ${DEFAULT-VALUE}")
    String acts;

    @Option(names = "--attention", defaultValue = "flash", description = "flash or naive; default ${DEFAULT-VALUE}")
    AttentionKind attention;

    @Option(names = "--phase", defaultValue = "decode", description = "which step's ops to print: decode or prefill; default ${DEFAULT-VALUE}")
    Phase phase;

    @Option(names = "--json", description = "print one JSON object instead of the table")
    boolean json;

    @Override public Integer call() throws Exception {
        ModelConfig cfg;
        Hardware hw;
        Workload w;
        try {
            cfg = ModelShapes.resolve(model);
            hw = HardwareCatalog.get(hardware);
            w = new Workload(model, cfg, phase, batch, context, StorageFormat.parse(weights), StorageFormat.parse(kv),
                    StorageFormat.parse(acts), attention);
        } catch (IllegalArgumentException e) {
            System.err.println("roofline: " + e.getMessage());
            return 2;
        }
        RooflineReport shown = Roofline.analyze(w, hw);
        RooflineReport decode = Roofline.analyze(w.withPhase(Phase.DECODE), hw);
        RooflineReport prefill = Roofline.analyze(w.withPhase(Phase.PREFILL), hw);
        OptionalInt linearTurn = Roofline.linearComputeBoundBatch(w, hw);
        OptionalInt stepTurn = Roofline.computeBoundBatch(w, hw);
        if (json) {
            System.out.println(Json.MAPPER.writeValueAsString(jsonReport(cfg, shown, decode, prefill, linearTurn, stepTurn)));
        } else {
            printTable(System.out, cfg, shown, decode, prefill, linearTurn, stepTurn);
        }
        return 0;
    }

    private static Map<String, Object> jsonReport(ModelConfig cfg, RooflineReport shown, RooflineReport decode, RooflineReport prefill,
                                                  OptionalInt linearTurn, OptionalInt stepTurn) {
        Workload w = shown.workload();
        Hardware hw = shown.hardware();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", w.modelName());
        m.put("hardware", hw.id());
        m.put("hardware_name", hw.name());
        m.put("phase", w.phase().name().toLowerCase(Locale.ROOT));
        m.put("batch", w.batch());
        m.put("context", w.context());
        m.put("weights", w.weights().name());
        m.put("weight_bits", w.weights().bits());
        m.put("kv", w.kv().name());
        m.put("acts", w.acts().name());
        m.put("attention", w.attention().name().toLowerCase(Locale.ROOT));
        m.put("compute_type", w.computeType().name().toLowerCase(Locale.ROOT));
        m.put("parameters", cfg.parameterCount());
        m.put("bandwidth_gb_s", hw.bandwidthGBs());
        m.put("peak_tflops", hw.peakFlops(w.computeType()) / 1e12);
        m.put("ridge_flop_per_byte", hw.ridgePoint(w.computeType()));
        m.put("decode_flops_per_token", decode.flopsPerToken());
        m.put("decode_bytes_per_token", decode.bytesPerToken());
        m.put("decode_weight_bytes_per_step", decode.weightBytes());
        m.put("decode_kv_bytes_per_step", decode.kvBytes());
        m.put("decode_tokens_per_s_ceiling", decode.tokensPerSecondCeiling());
        m.put("decode_tokens_per_s_unfused", decode.tokensPerSecondUnfused());
        m.put("decode_compute_bound", decode.computeBound());
        m.put("prefill_tokens_per_s_ceiling", prefill.tokensPerSecondCeiling());
        m.put("decode_linear_compute_bound_batch", linearTurn.isPresent() ? linearTurn.getAsInt() : null);
        m.put("decode_step_compute_bound_batch", stepTurn.isPresent() ? stepTurn.getAsInt() : null);
        m.put("step_time_lower_bound_s", shown.fusedTime());
        List<Map<String, Object>> ops = new ArrayList<>();
        for (OpBound b : shown.ops()) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("op", b.op().name());
            o.put("kind", b.op().kind().name().toLowerCase(Locale.ROOT));
            o.put("count", b.op().count());
            o.put("flops", b.op().flops() * b.op().count());
            o.put("weight_bytes", b.op().weightBytes() * b.op().count());
            o.put("kv_bytes", (b.op().kvReadBytes() + b.op().kvWriteBytes()) * b.op().count());
            o.put("act_bytes", b.op().actBytes() * b.op().count());
            o.put("intensity", b.op().intensity());
            o.put("bound", b.bound());
            o.put("time_s", b.time());
            ops.add(o);
        }
        m.put("ops", ops);
        m.put("hardware_source", hw.source());
        return m;
    }

    private static void printTable(PrintStream out, ModelConfig cfg, RooflineReport r, RooflineReport decode, RooflineReport prefill,
                                   OptionalInt linearTurn, OptionalInt stepTurn) {
        Workload w = r.workload();
        Hardware hw = r.hardware();
        out.printf(Locale.ROOT, "%s on %s: %s, batch %d, context %d, weights %s (%.4g bits), kv %s, acts %s, %s attention, %s compute%n",
                w.modelName(), hw.name(), w.phase().name().toLowerCase(Locale.ROOT), w.batch(), w.context(), w.weights(),
                w.weights().bits(), w.kv(), w.acts(), w.attention().name().toLowerCase(Locale.ROOT), w.computeType().name().toLowerCase(Locale.ROOT));
        out.printf(Locale.ROOT, "%-13s %-11s %5s %12s %12s %10s %8s %12s %6s%n", "op", "kind", "count", "GFLOP", "MB", "FLOP/B", "bound", "time (us)", "%");
        for (OpBound b : r.ops()) {
            out.printf(Locale.ROOT, "%-13s %-11s %5d %12.4f %12.3f %10.2f %8s %12.3f %6.1f%n", b.op().name(),
                    b.op().kind().name().toLowerCase(Locale.ROOT), b.op().count(), b.op().flops() * b.op().count() / 1e9,
                    b.op().bytes() * b.op().count() / 1e6, b.op().intensity(), b.bound(), b.time() * 1e6, 100 * b.time() / r.unfusedTime());
        }
        out.printf(Locale.ROOT, "%-13s %-11s %5s %12.4f %12.3f %10.2f %8s %12.3f%n", "total", "", "", r.flops() / 1e9, r.bytes() / 1e6,
                r.flops() / r.bytes(), r.computeBound() ? "compute" : "memory", r.unfusedTime() * 1e6);
        out.println();
        out.printf(Locale.ROOT, "parameters                       %,d%n", cfg.parameterCount());
        out.printf(Locale.ROOT, "device                           %.0f GB/s, %.4g TFLOP/s %s (ridge %.0f FLOP/B)%n", hw.bandwidthGBs(),
                hw.peakFlops(w.computeType()) / 1e12, w.computeType().name().toLowerCase(Locale.ROOT), hw.ridgePoint(w.computeType()));
        out.printf(Locale.ROOT, "decode FLOPs per token            %.4g GFLOP%n", decode.flopsPerToken() / 1e9);
        out.printf(Locale.ROOT, "decode bytes per step             %.4g GB (weights %.4g GB, KV %.4g GB)%n", decode.bytes() / 1e9,
                decode.weightBytes() / 1e9, decode.kvBytes() / 1e9);
        out.printf(Locale.ROOT, "decode tokens/s ceiling           %.1f (unfused ops: %.1f)  [batch %d, %s-bound]%n",
                decode.tokensPerSecondCeiling(), decode.tokensPerSecondUnfused(), w.batch(), decode.computeBound() ? "compute" : "memory");
        out.printf(Locale.ROOT, "prefill tokens/s ceiling          %.1f%n", prefill.tokensPerSecondCeiling());
        out.printf(Locale.ROOT, "decode matmuls compute-bound at   batch %s%n", linearTurn.isPresent() ? linearTurn.getAsInt() : "never (≤ " + Roofline.MAX_BATCH + ")");
        out.printf(Locale.ROOT, "whole decode step compute-bound at batch %s%n", stepTurn.isPresent() ? stepTurn.getAsInt()
                : "never (≤ " + Roofline.MAX_BATCH + "; KV traffic grows with batch)");
    }

    /** {@code minerva roofline figures}: runs the study, records it, writes the paper's figures. */
    @Command(name = "figures", mixinStandardHelpOptions = true, description = "Run the roofline study: record tables and figures (papers/roofline).")
    static final class Figures implements Callable<Integer> {
        @Option(names = "--out", paramLabel = "DIR", description = "output root (default: $MINERVA_OUT or the project root)")
        Path out;

        @Option(names = "--budget", paramLabel = "ci|full", description = "machine-probe effort (default: $MINERVA_BUDGET or full)")
        String budget;

        @Override public Integer call() throws Exception {
            String b = budget != null ? budget : System.getenv().getOrDefault("MINERVA_BUDGET", "full");
            if (!b.equals("ci") && !b.equals("full")) {
                System.err.println("roofline figures: --budget must be ci or full, got '" + b + "'");
                return 2;
            }
            Path o = out != null ? out.toAbsolutePath() : Locations.out();
            RecordedRun run = RooflineStudy.run(RooflineStudyConfig.standard(b), o);
            System.out.println("recorded " + run.dir());
            return 0;
        }
    }

    /** {@code minerva roofline hardware}: the catalog with sources. */
    @Command(name = "hardware", mixinStandardHelpOptions = true, description = "List the hardware catalog (dense peaks, sources).")
    static final class HardwareList implements Callable<Integer> {
        @Override public Integer call() {
            System.out.printf(Locale.ROOT, "%-12s %-28s %9s %9s %9s %9s  %s%n", "id", "name", "GB/s", "fp32 TF", "fp16 TF", "int8 TOP", "source");
            for (Hardware h : HardwareCatalog.datasheets()) {
                System.out.printf(Locale.ROOT, "%-12s %-28s %9.0f %9.1f %9.1f %9.1f  %s%n", h.id(), h.name(), h.bandwidthGBs(), h.fp32Tflops(),
                        h.fp16Tflops(), h.int8Tops(), h.source());
            }
            System.out.println(HardwareCatalog.THIS_MACHINE + ": measured on demand (triad bandwidth, Vector API FMA)");
            return 0;
        }
    }
}
