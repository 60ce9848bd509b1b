package dev.minerva.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.minerva.backend.Backend;
import dev.minerva.backend.cuda.CudaBackend;
import dev.minerva.backend.cuda.CudaGeneration;
import dev.minerva.backend.cuda.DeviceTiming;
import dev.minerva.bench.DecodeBenchmark;
import dev.minerva.engine.BatchDecoder;
import dev.minerva.lab.roofline.CostModel;
import dev.minerva.bench.OpProfile;
import dev.minerva.bench.TriadBandwidth;
import dev.minerva.bench.Yardsticks;
import dev.minerva.model.Llama;
import dev.minerva.model.ModelConfig;
import dev.minerva.model.ModelPresets;
import dev.minerva.model.PrecisionPlan;
import dev.minerva.model.RandomWeights;
import dev.minerva.model.Weights;
import dev.minerva.tensor.DType;
import jdk.incubator.vector.FloatVector;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code minerva bench}: prefill and decode speed of one model, with decode throughput as a fraction of the
 * memory-bandwidth roofline (weight bytes streamed per token × tokens/s ÷ a bandwidth measured in the same run: the
 * triad on the CPU, the device-to-device copy on a GPU). It times the loop {@code minerva generate} runs: on the CUDA
 * backend the device decoder ({@code CudaGeneration}), except with {@code --profile}, which times the ops one by one.
 * On the CPU, prefill is also set against the compute roofline: its FLOPs ({@code CostModel.prefillFlops}) per second
 * of TTFT as a fraction of the Vector API FMA peak ({@code FmaThroughput}) measured in the same run.
 * Prints a table and a JSON line with provenance.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Measure prefill/decode speed (TTFT, TPOT, %% of memory bandwidth).")
public final class BenchCommand implements Callable<Integer> {
    @Mixin ModelOptions model;

    @Option(names = "--synth", description = "random weights at a preset's shape instead of --model: ${COMPLETION-CANDIDATES}",
            completionCandidates = PresetNames.class)
    String synth;

    @Option(names = "--prompt-tokens", defaultValue = "128") int promptTokens;
    @Option(names = "--gen-tokens", defaultValue = "128") int genTokens;
    @Option(names = "--batch", split = ",", defaultValue = "1",
            description = "sequences decoded in lockstep, one measurement per size (e.g. 1,4,16; default 1)") int[] batches;
    @Option(names = "--warmup-tokens", defaultValue = "16", description = "at least this many decode steps before timing, continued for at least 2 s and until the JIT has been quiet for 0.5 s (0: no warm-up)") int warmup;
    @Option(names = "--no-triad", description = "skip the machine measurements (bandwidth, FMA peak)") boolean noTriad;
    @Option(names = "--profile", description = "also print where prefill and a decode step spend their time, per op (matmuls per weight and dtype); with --record, saved as profile.csv") boolean profile;
    @Option(names = "--record", description = "also record the result as a run under datasets/results/engine-bench") boolean record;
    @Option(names = "--repeat", defaultValue = "1", description = "timed runs per batch size after one warm-up, each preceded by its own "
            + "machine measurements, so every ratio is to a yardstick taken beside it; prints the median and range (default 1)") int repeat;

    /** Preset names for picocli's help. */
    static final class PresetNames implements Iterable<String> {
        @Override public java.util.Iterator<String> iterator() {
            java.util.List<String> l = new java.util.ArrayList<>();
            ModelPresets.names().forEach(l::add);
            return l.iterator();
        }
    }

    @Override public Integer call() throws Exception {
        int threads = model.threads();
        try (Arena arena = Arena.ofShared(); Backend backend = profile ? new OpProfile(model.backend()) : model.backend()) {
            Weights w;
            String source;
            if (synth != null) {
                PrecisionPlan plan = model.precisionPlan();
                DType dt = plan == null || plan.defaultMatrix() == null ? DType.F32 : plan.defaultMatrix();
                w = RandomWeights.create(ModelPresets.get(synth), dt, 1234, arena);
                source = "synth:" + synth;
            } else {
                w = model.planned(model.open(), arena);
                source = model.model.toString();
            }
            ModelConfig c = w.config();
            if (batches.length == 0 || java.util.Arrays.stream(batches).anyMatch(b -> b < 1)) {
                throw new IllegalArgumentException("--batch takes sizes >= 1: " + java.util.Arrays.toString(batches));
            }
            if (profile && batches.length > 1) throw new IllegalArgumentException("--profile times one batch size; give one --batch value");
            int maxBatch = java.util.Arrays.stream(batches).max().getAsInt();
            if (repeat < 1) throw new IllegalArgumentException("--repeat must be >= 1: " + repeat);
            DecodeBenchmark.Settings settings = new DecodeBenchmark.Settings(promptTokens, genTokens, warmup, 7);
            Backend base = backend instanceof OpProfile p ? p.inner() : backend;
            CudaBackend gpu = base instanceof CudaBackend g ? g : null;
            OpProfile profiler = backend instanceof OpProfile p ? p : null;
            List<DecodeBenchmark.Beside<Before>> runs = new ArrayList<>();
            String path;
            // the decode loop generate runs: on a GPU the device decoder (one graph replay per step), unless profiling
            // per op, which needs the ops one by one
            if (CudaGeneration.runs(backend, c)) {
                path = "cuda decoder (graph step, device sampling)";
                try (CudaGeneration dev = new CudaGeneration(gpu, w, maxBatch, DecodeBenchmark.capacity(c, settings))) {
                    for (int b : batches) measure(dev, w, settings, b, null, threads, gpu, runs);
                }
            } else {
                path = backend.name() + " backend ops";
                BatchDecoder.Factory host = BatchDecoder.of(new Llama(w, backend));
                for (int b : batches) measure(host, w, settings, b, profiler, threads, gpu, runs);
            }
            double prefillFlopsPerToken = CostModel.prefillFlops(c, promptTokens) / promptTokens;
            long streamed = runs.getFirst().result().weightBytesPerToken();
            System.out.printf("model        %s  (%s, %.1f MB of weights streamed per step)%n", source, runs.getFirst().result().dtype(), streamed / 1e6);
            if (gpu != null) System.out.printf("device       %s%n", gpu.context().info());
            else System.out.printf("threads      %d, vector %d bits, load %s%n", threads, FloatVector.SPECIES_PREFERRED.vectorBitSize(), loadAverage());
            System.out.printf("path         %s%n", path);

            ObjectMapper om = new ObjectMapper();
            List<ObjectNode> rows = new ArrayList<>();
            for (DecodeBenchmark.Beside<Before> run : runs) {
                DecodeBenchmark.Result r = run.result();
                Yardsticks y = run.before().yardsticks();
                if (repeat > 1) System.out.printf("run          %d of %d%n", run.repeat() + 1, repeat);
                printResult(r, batches.length > 1);
                if (profiler != null && run.repeat() == 0) printProfile(profiler, r);
                double stepBytes = r.decodeBytesPerSecond();
                if (!Double.isNaN(y.triad())) {
                    System.out.printf("bandwidth    triad %.1f GB/s; decode streams %.1f GB/s = %.1f %% of triad%n", y.triad() / 1e9, stepBytes / 1e9, r.percentOf(y.triad()));
                    System.out.printf("             read-only stream %.1f GB/s; decode = %.1f %% of it%n", y.read() / 1e9, r.percentOf(y.read()));
                }
                double prefillFlops = r.prefillTokensPerSecond() * prefillFlopsPerToken;
                if (!Double.isNaN(y.fma())) {
                    System.out.printf("compute      FMA peak %.1f GFLOP/s; prefill runs %.1f GFLOP/s (%.3g GFLOP per prompt token) = %.1f %% of it%n",
                            y.fma() / 1e9, prefillFlops / 1e9, prefillFlopsPerToken / 1e9, 100 * prefillFlops / y.fma());
                }
                if (!Double.isNaN(y.copy())) {
                    System.out.printf("bandwidth    device copy %.1f GB/s (read+write); decode streams %.1f GB/s = %.1f %% of it%n",
                            y.copy() / 1e9, stepBytes / 1e9, r.percentOf(y.copy()));
                }
                ObjectNode j = om.createObjectNode();
                j.put("kind", "engine-bench");
                j.put("model", source);
                j.put("dtype", r.dtype());
                j.put("threads", threads);
                j.put("batch", r.batch());
                j.put("repeat", run.repeat());
                j.put("promptTokens", promptTokens);
                j.put("genTokens", r.decodeSteps());
                j.put("prefillTokensPerSecond", r.prefillTokensPerSecond());
                j.put("decodeTokensPerSecond", r.decodeTokensPerSecond());
                j.put("ttftMs", r.ttftMs());
                j.put("tpotMs", r.tpotMs());
                j.put("weightBytesPerToken", streamed);
                j.put("triadBytesPerSecond", y.triad());
                j.put("decodePercentOfTriad", r.percentOf(y.triad()));
                j.put("readBytesPerSecond", y.read());
                j.put("decodePercentOfRead", r.percentOf(y.read()));
                j.put("prefillFlopsPerToken", prefillFlopsPerToken);
                j.put("prefillFlopsPerSecond", prefillFlops);
                j.put("fmaFlopsPerSecond", y.fma());
                j.put("prefillPercentOfFma", 100 * prefillFlops / y.fma());
                j.put("deviceCopyBytesPerSecond", y.copy());
                j.put("decodePercentOfDeviceCopy", r.percentOf(y.copy()));
                j.put("decodePath", path);
                j.put("device", gpu == null ? "" : gpu.context().info().name());
                j.put("vectorBits", FloatVector.SPECIES_PREFERRED.vectorBitSize());
                j.put("loadAverage", run.before().load());
                j.put("cpu", cpuModel());
                j.put("backend", backend.name());
                j.put("jdk", System.getProperty("java.vm.version"));
                j.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
                j.put("time", run.before().time().toString());
                System.out.println(om.writeValueAsString(j));
                rows.add(j);
            }
            tech.tablesaw.api.Table summary = repeat > 1 ? BenchSummary.of(rows) : null;
            if (summary != null) BenchSummary.print(summary, repeat);
            if (record) {
                java.util.Map<String, Object> cfg = new java.util.LinkedHashMap<>();
                cfg.put("model", source);
                cfg.put("config", c);
                cfg.put("dtype", runs.getFirst().result().dtype());
                cfg.put("threads", threads);
                cfg.put("batches", batches);
                cfg.put("promptTokens", promptTokens);
                cfg.put("genTokens", genTokens);
                cfg.put("warmupTokens", warmup);
                cfg.put("repeat", repeat);
                var recorder = dev.minerva.record.RunRecorder.begin(dev.minerva.record.Locations.out(), "engine-bench", cfg, 7, backend.name(),
                        synth != null ? null : model.model).results(table(rows));
                if (profiler != null) recorder.table("profile", profileTable(profiler, runs.getFirst().result()));
                if (summary != null) recorder.table("summary", summary);
                var run = recorder.commit();
                System.out.println("recorded " + run.dir());
            }
        }
        return 0;
    }

    /** What is measured just before each timed run: the yardsticks, the load average and the time. */
    record Before(Yardsticks yardsticks, String load, Instant time) {}

    /** {@link #repeat} timed runs of {@code batch} after one warm-up ({@link DecodeBenchmark#repeated}), added to {@code runs}. */
    private void measure(BatchDecoder.Factory decoders, Weights w, DecodeBenchmark.Settings settings, int batch, OpProfile profile,
                         int threads, CudaBackend gpu, List<DecodeBenchmark.Beside<Before>> runs) {
        runs.addAll(DecodeBenchmark.repeated(decoders, w, settings, batch, repeat,
                () -> new Before(yardsticks(threads, gpu), loadAverage(), Instant.now()), profile));
    }

    /**
     * The bandwidth decode streams from (the host's triad and read-only stream, or the GPU's device-to-device copy) and
     * the compute peak of prefill on the host (the Vector API FMA peak on the same threads); all NaN with {@code --no-triad}.
     */
    private Yardsticks yardsticks(int threads, CudaBackend gpu) {
        if (noTriad) return Yardsticks.NONE;
        if (gpu != null) return Yardsticks.device(DeviceTiming.copyBytesPerSecond(gpu.context(), 20));
        return Yardsticks.host(TriadBandwidth.defaultArrayBytes(), threads, 5, 20_000_000);
    }

    /** One measurement's lines; with {@code tagged}, each headed by its batch size. */
    private static void printResult(DecodeBenchmark.Result r, boolean tagged) {
        if (tagged) System.out.printf("batch        %d sequences%n", r.batch());
        String each = r.batch() > 1 ? " (" + r.batch() + " prompts)" : "";
        System.out.printf("prefill      %d tokens%s: %.1f tokens/s (%.2f ms/token)%n", r.promptTokens(), each, r.prefillTokensPerSecond(), 1e3 / r.prefillTokensPerSecond());
        System.out.printf("TTFT         %.1f ms%s%n", r.ttftMs(), r.batch() > 1 ? " (until every sequence has its first token)" : "");
        System.out.printf("decode       %d steps: %.2f tokens/s, TPOT %.2f ms%n", r.decodeSteps(), r.decodeTokensPerSecond(), r.tpotMs());
        System.out.printf("prefill/decode per-token speed-up %.1fx%n", r.prefillTokensPerSecond() / r.decodeTokensPerSecond());
    }

    /** The JSON rows as one table (numbers as doubles, the rest as strings), one row per batch size. */
    static tech.tablesaw.api.Table table(List<ObjectNode> rows) {
        tech.tablesaw.api.Table t = tech.tablesaw.api.Table.create("results");
        for (var it = rows.getFirst().fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (rows.getFirst().get(f).isNumber()) {
                var col = tech.tablesaw.api.DoubleColumn.create(f);
                for (ObjectNode r : rows) col.append(r.get(f).asDouble());
                t.addColumns(col);
            } else {
                var col = tech.tablesaw.api.StringColumn.create(f);
                for (ObjectNode r : rows) col.append(r.get(f).asText());
                t.addColumns(col);
            }
        }
        return t;
    }

    /**
     * Per-op share of the timed prefill (ms for the whole prompt) and of the decode steps (ms per token);
     * "outside ops" is sampling and the forward pass's own bookkeeping.
     */
    private static void printProfile(OpProfile p, DecodeBenchmark.Result r) {
        printPhase(p, DecodeBenchmark.PREFILL, r.ttftNanos(), 1, "ms/prompt");
        printPhase(p, DecodeBenchmark.DECODE, r.decodeNanos(), Math.max(1, r.decodeSteps()), "ms/token");
    }

    /** The profile as a table: one row per (phase, op), times per prompt (prefill) or per token (decode). */
    static tech.tablesaw.api.Table profileTable(OpProfile p, DecodeBenchmark.Result r) {
        var phase = tech.tablesaw.api.StringColumn.create("phase");
        var op = tech.tablesaw.api.StringColumn.create("op");
        var calls = tech.tablesaw.api.LongColumn.create("calls");
        var ms = tech.tablesaw.api.DoubleColumn.create("ms_per_unit");
        var share = tech.tablesaw.api.DoubleColumn.create("share_pct");
        var gbs = tech.tablesaw.api.DoubleColumn.create("weight_gbs");
        for (String ph : p.phases()) {
            boolean decode = ph.equals(DecodeBenchmark.DECODE);
            long wall = decode ? r.decodeNanos() : r.ttftNanos();
            int per = decode ? Math.max(1, r.decodeSteps()) : 1;
            for (OpProfile.Row row : p.rows(ph)) {
                phase.append(ph);
                op.append(row.op());
                calls.append(row.calls());
                ms.append(row.nanos() / 1e6 / per);
                share.append(100.0 * row.nanos() / wall);
                gbs.append(row.bytesPerSecond() / 1e9);
            }
        }
        return tech.tablesaw.api.Table.create("profile", phase, op, calls, ms, share, gbs);
    }

    private static void printPhase(OpProfile p, String phase, long wallNanos, int per, String unit) {
        System.out.printf("%-12s %-26s %9s %10s %7s %9s%n", phase, "op", "calls", unit, "share", "GB/s");
        for (OpProfile.Row row : p.rows(phase)) {
            double gbs = row.bytesPerSecond() / 1e9;
            System.out.printf("             %-26s %9d %10.3f %6.1f%% %9s%n", row.op(), row.calls(), row.nanos() / 1e6 / per,
                    100.0 * row.nanos() / wallNanos, Double.isNaN(gbs) ? "" : String.format("%.1f", gbs));
        }
        long outside = wallNanos - p.totalNanos(phase);
        System.out.printf("             %-26s %9s %10.3f %6.1f%%%n", "(outside ops)", "", outside / 1e6 / per, 100.0 * outside / wallNanos);
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+", 4)[0];
        } catch (Exception e) {
            return String.valueOf(java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }

    static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown");
        } catch (Exception e) {
            return System.getProperty("os.arch");
        }
    }
}
