package dev.minerva.lab.roofline;

import dev.minerva.bench.MachineProbe;
import dev.minerva.model.ModelConfig;
import dev.minerva.model.ModelPresets;
import dev.minerva.record.RecordedRun;
import dev.minerva.record.RunRecorder;
import tech.tablesaw.api.BooleanColumn;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The roofline study end to end: probes this machine, costs the configured workloads on every
 * device, and records {@code hardware.csv}, {@code results.csv} (per-op bounds), {@code ceilings.csv}
 * (tokens/s vs batch), {@code summary.csv}, and the charts of {@link RooflineFigures} for paper
 * {@value #PAPER}.
 */
public final class RooflineStudy {
    private RooflineStudy() {}

    public static final String STUDY = "roofline";
    public static final String PAPER = "roofline";

    /** Tables of one study run (before recording). */
    public record Tables(Table hardware, Table ops, Table ceilings, Table summary) {}

    /** Computes the study's tables; {@code probe} is this machine's measurement. */
    public static Tables compute(RooflineStudyConfig cfg, MachineProbe probe) {
        Hardware me = HardwareCatalog.measured(probe);
        List<Hardware> devices = new ArrayList<>();
        for (String id : cfg.hardware()) devices.add(id.equals(HardwareCatalog.THIS_MACHINE) ? me : HardwareCatalog.get(id));
        for (String id : cfg.ceilingHardware()) {
            Hardware h = id.equals(HardwareCatalog.THIS_MACHINE) ? me : HardwareCatalog.get(id);
            if (devices.stream().noneMatch(d -> d.id().equals(h.id()))) devices.add(h);
        }
        return new Tables(hardwareTable(devices), opsTable(cfg, devices), ceilingsTable(cfg, devices), summaryTable(cfg, devices));
    }

    /** Computes, draws and records a run under {@code out}; returns the published run. */
    public static RecordedRun run(RooflineStudyConfig cfg, Path out) throws IOException {
        return run(cfg, out, MachineProbe.measure("full".equals(cfg.budget()) ? MachineProbe.Effort.FULL : MachineProbe.Effort.QUICK));
    }

    /** As {@link #run(RooflineStudyConfig, Path)} with this machine's measurement given. */
    public static RecordedRun run(RooflineStudyConfig cfg, Path out, MachineProbe probe) throws IOException {
        Tables t = compute(cfg, probe);
        RunRecorder rec = RunRecorder.begin(out, STUDY, Map.of("study", cfg, "probe", probe), 0, "none", null)
                .table("hardware", t.hardware()).results(t.ops()).table("ceilings", t.ceilings()).table("summary", t.summary());
        for (String hw : cfg.hardware()) {
            rec.figure(PAPER, RooflineFigures.ROOFLINE + hw, RooflineFigures.roofline(hw, t.hardware(), t.ops(), List.of()));
        }
        for (String hw : cfg.ceilingHardware()) {
            rec.figure(PAPER, RooflineFigures.TOKENS_VS_BATCH + hw, RooflineFigures.tokensVsBatch(hw, t.hardware(), t.ceilings()));
        }
        return rec.commit();
    }

    /** The standard workload for a model name at a precision (f16 KV and activations, flash attention). */
    public static Workload workload(String model, Phase phase, int batch, int context, String weights) {
        ModelConfig c = ModelPresets.get(model);
        return new Workload(model, c, phase, batch, context, StorageFormat.parse(weights), StorageFormat.F16, StorageFormat.F16,
                AttentionKind.FLASH);
    }

    static Table hardwareTable(List<Hardware> devices) {
        Table t = Table.create("hardware", StringColumn.create("id"), StringColumn.create("name"), DoubleColumn.create("bandwidth_gbs"),
                DoubleColumn.create("fp32_tflops"), DoubleColumn.create("fp16_tflops"), DoubleColumn.create("int8_tops"),
                DoubleColumn.create("l2_mib"), DoubleColumn.create("memory_gib"), BooleanColumn.create("measured"),
                StringColumn.create("source"), StringColumn.create("note"));
        for (Hardware h : devices) {
            t.stringColumn("id").append(h.id());
            t.stringColumn("name").append(h.name());
            t.doubleColumn("bandwidth_gbs").append(h.bandwidthGBs());
            t.doubleColumn("fp32_tflops").append(h.fp32Tflops());
            t.doubleColumn("fp16_tflops").append(h.fp16Tflops());
            t.doubleColumn("int8_tops").append(h.int8Tops());
            t.doubleColumn("l2_mib").append(h.l2MiB());
            t.doubleColumn("memory_gib").append(h.memoryGiB());
            t.booleanColumn("measured").append(h.measured());
            t.stringColumn("source").append(h.source());
            t.stringColumn("note").append(h.note());
        }
        return t;
    }

    /** Per-op rows; columns are those of {@link #appendOps}. */
    public static Table emptyOpsTable() {
        return Table.create("results", StringColumn.create("hardware"), StringColumn.create("model"), StringColumn.create("weights"),
                StringColumn.create("phase"), IntColumn.create("batch"), IntColumn.create("context"), StringColumn.create("op"),
                StringColumn.create("kind"), IntColumn.create("count"), DoubleColumn.create("flops"), DoubleColumn.create("bytes"),
                DoubleColumn.create("intensity"), StringColumn.create("bound"), DoubleColumn.create("time_s"));
    }

    /** Appends a report's ops (flops, bytes, time for all {@code count} instances). */
    public static void appendOps(Table t, RooflineReport r) {
        Workload w = r.workload();
        for (OpBound b : r.ops()) {
            Op op = b.op();
            t.stringColumn("hardware").append(r.hardware().id());
            t.stringColumn("model").append(w.modelName());
            t.stringColumn("weights").append(w.weights().name());
            t.stringColumn("phase").append(w.phase().name());
            t.intColumn("batch").append(w.batch());
            t.intColumn("context").append(w.context());
            t.stringColumn("op").append(op.name());
            t.stringColumn("kind").append(op.kind().name());
            t.intColumn("count").append(op.count());
            t.doubleColumn("flops").append(op.flops() * op.count());
            t.doubleColumn("bytes").append(op.bytes() * op.count());
            t.doubleColumn("intensity").append(op.intensity());
            t.stringColumn("bound").append(b.bound());
            t.doubleColumn("time_s").append(b.time());
        }
    }

    static Table opsTable(RooflineStudyConfig cfg, List<Hardware> devices) {
        Table t = emptyOpsTable();
        for (Hardware h : devices) {
            if (!cfg.hardware().contains(h.id())) continue;
            for (int b : cfg.decodeBatches()) appendOps(t, Roofline.analyze(workload(cfg.model(), Phase.DECODE, b, cfg.context(), cfg.weights()), h));
            appendOps(t, Roofline.analyze(workload(cfg.model(), Phase.PREFILL, 1, cfg.context(), cfg.weights()), h));
        }
        return t;
    }

    static Table ceilingsTable(RooflineStudyConfig cfg, List<Hardware> devices) {
        Table t = Table.create("ceilings", StringColumn.create("hardware"), StringColumn.create("model"), StringColumn.create("weights"),
                IntColumn.create("batch"), IntColumn.create("context"), DoubleColumn.create("tokens_per_s"),
                DoubleColumn.create("tokens_per_s_unfused"), BooleanColumn.create("compute_bound"));
        for (Hardware h : devices) {
            if (!cfg.ceilingHardware().contains(h.id())) continue;
            for (String m : cfg.ceilingModels()) {
                for (String wf : cfg.ceilingWeights()) {
                    for (int b : cfg.ceilingBatches()) {
                        RooflineReport r = Roofline.analyze(workload(m, Phase.DECODE, b, cfg.context(), wf), h);
                        t.stringColumn("hardware").append(h.id());
                        t.stringColumn("model").append(m);
                        t.stringColumn("weights").append(wf);
                        t.intColumn("batch").append(b);
                        t.intColumn("context").append(cfg.context());
                        t.doubleColumn("tokens_per_s").append(r.tokensPerSecondCeiling());
                        t.doubleColumn("tokens_per_s_unfused").append(r.tokensPerSecondUnfused());
                        t.booleanColumn("compute_bound").append(r.computeBound());
                    }
                }
            }
        }
        return t;
    }

    static Table summaryTable(RooflineStudyConfig cfg, List<Hardware> devices) {
        Table t = Table.create("summary", StringColumn.create("hardware"), StringColumn.create("model"), StringColumn.create("weights"),
                LongColumn.create("parameters"), DoubleColumn.create("gflop_per_token"), DoubleColumn.create("weight_gb_per_step"),
                DoubleColumn.create("decode_b1_tokens_per_s"), DoubleColumn.create("prefill_tokens_per_s"),
                IntColumn.create("linear_compute_bound_batch"), IntColumn.create("step_compute_bound_batch"));
        for (Hardware h : devices) {
            if (!cfg.ceilingHardware().contains(h.id())) continue;
            for (String m : cfg.ceilingModels()) {
                for (String wf : cfg.summaryWeights()) {
                    Workload w = workload(m, Phase.DECODE, 1, cfg.context(), wf);
                    RooflineReport r = Roofline.analyze(w, h);
                    RooflineReport p = Roofline.analyze(w.withPhase(Phase.PREFILL), h);
                    t.stringColumn("hardware").append(h.id());
                    t.stringColumn("model").append(m);
                    t.stringColumn("weights").append(wf);
                    t.longColumn("parameters").append(w.model().parameterCount());
                    t.doubleColumn("gflop_per_token").append(r.flopsPerToken() / 1e9);
                    t.doubleColumn("weight_gb_per_step").append(r.weightBytes() / 1e9);
                    t.doubleColumn("decode_b1_tokens_per_s").append(r.tokensPerSecondCeiling());
                    t.doubleColumn("prefill_tokens_per_s").append(p.tokensPerSecondCeiling());
                    appendOptional(t.intColumn("linear_compute_bound_batch"), Roofline.linearComputeBoundBatch(w, h));
                    appendOptional(t.intColumn("step_compute_bound_batch"), Roofline.computeBoundBatch(w, h));
                }
            }
        }
        return t;
    }

    private static void appendOptional(IntColumn c, OptionalInt v) {
        if (v.isPresent()) c.append(v.getAsInt()); else c.appendMissing();
    }
}
