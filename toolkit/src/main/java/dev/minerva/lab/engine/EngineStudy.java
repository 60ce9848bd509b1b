package dev.minerva.lab.engine;

import dev.minerva.backend.CpuBackend;
import dev.minerva.bench.DecodeBenchmark;
import dev.minerva.bench.FmaThroughput;
import dev.minerva.bench.ReadBandwidth;
import dev.minerva.bench.Yardsticks;
import dev.minerva.engine.Batch;
import dev.minerva.engine.BatchDecoder;
import dev.minerva.engine.DenseKvCache;
import dev.minerva.engine.ForwardHooks;
import dev.minerva.engine.Generator;
import dev.minerva.engine.KvCache;
import dev.minerva.engine.Sampler;
import dev.minerva.eval.NextTokenPredictions;
import dev.minerva.lab.roofline.CostModel;
import dev.minerva.model.Llama;
import dev.minerva.model.LoadedModel;
import dev.minerva.model.ModelConfig;
import dev.minerva.model.ModelLoader;
import dev.minerva.model.ModelPresets;
import dev.minerva.model.OutputTensor;
import dev.minerva.model.convert.Converter;
import dev.minerva.model.convert.SyntheticModel;
import dev.minerva.model.tokenizer.SentencePieceVocab;
import dev.minerva.record.AtomicFiles;
import dev.minerva.record.Locations;
import dev.minerva.record.RecordedRun;
import dev.minerva.record.Run;
import dev.minerva.record.RunRecorder;
import dev.minerva.tensor.DType;
import tech.tablesaw.api.BooleanColumn;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The engine study: correctness against the llama2.c references and across formats, and speed per
 * model and dtype beside this machine's memory-bandwidth ceiling. Opening it converts the stories260K
 * checkpoint in-process to safetensors (F32) and GGUF (one file per dtype) in a temporary folder; each
 * step returns one table; {@link #record} writes them as a run of study {@value #STUDY} with the charts
 * of {@link EngineFigures} for paper {@value #PAPER}. {@link #run} does all of it.
 * <pre>
 * EngineStudy s = EngineStudy.open(cfg);
 * Table c = s.correctness(), sp = s.speed(), b = s.batching(), f = s.formats();   // speed before formats: see run()
 * RecordedRun r = s.record(out, new Tables(c, f, sp, b));
 * s.close();
 * </pre>
 */
public final class EngineStudy implements AutoCloseable {
    public static final String STUDY = "engine";
    public static final String PAPER = "engine";
    /** |logit − reference| allowed at position 0: llama2.c and Minerva sum in different orders. */
    public static final double LOGITS_TOLERANCE = 1e-4;
    private static final int BOS = 1;
    private static final int PPL_CHUNK = 128;

    /**
     * Tables of one run: {@code correctness.csv}, {@code formats.csv}, {@code results.csv} (speed) and
     * {@code batching.csv}.
     */
    public record Tables(Table correctness, Table formats, Table speed, Table batching) {}

    /** A run's tables and where they were recorded. */
    public record Result(Tables tables, RecordedRun recorded) {}

    /** One converted variant of stories260K. */
    private record Variant(String format, String dtype, Path path) {}

    private final EngineStudyConfig cfg;
    private final CpuBackend backend;
    private final Path work;
    private final List<Variant> variants = new ArrayList<>();
    private LoadedModel reference;
    private Run run;

    private EngineStudy(EngineStudyConfig cfg, Path work) {
        this.cfg = cfg;
        this.work = work;
        this.backend = new CpuBackend(cfg.threads());
    }

    /**
     * Opens the study: checks the files and converts stories260K to every format and dtype of {@code cfg}.
     *
     * @throws IllegalArgumentException naming the file when the model, tokenizer, references or text are missing
     */
    public static EngineStudy open(EngineStudyConfig cfg) throws IOException {
        for (String f : List.of(cfg.model(), cfg.tokenizer(), cfg.evaluationText())) {
            if (!Files.isRegularFile(Path.of(f))) throw new IllegalArgumentException("engine study: missing file " + f);
        }
        EngineStudy s = new EngineStudy(cfg, Files.createTempDirectory("minerva-engine-"));
        try {
            Path bin = Path.of(cfg.model()), tok = Path.of(cfg.tokenizer());
            s.reference = ModelLoader.open(bin, tok);
            // the run's provenance starts now, so its start and end times span the whole study
            s.run = Run.begin(STUDY, s.provenanceConfig(), 7, s.backend.name(), bin, Locations.root());
            s.variants.add(new Variant("llama2c", "F32", bin));
            Path st = s.work.resolve("safetensors-f32");
            Converter.convert(bin, tok, Converter.Target.SAFETENSORS, DType.F32, st, b -> { });
            s.variants.add(new Variant("safetensors", "F32", st));
            for (String d : cfg.dtypes()) {
                Path gguf = s.work.resolve("stories260K-" + d.toLowerCase() + ".gguf");
                Converter.convert(bin, tok, Converter.Target.GGUF, DType.valueOf(d), gguf, b -> { });
                s.variants.add(new Variant("gguf", d, gguf));
            }
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** Runs every step and records the run under {@code out}. */
    public static Result run(EngineStudyConfig cfg, Path out) throws IOException {
        try (EngineStudy s = open(cfg)) {
            // speed first: the format sweep's many small forward passes leave the JVM slower at the larger model's
            // kernels (stories110M F32, batch 16: 91-100 ms a step before it, 326 ms after; paper "Measuring in one JVM")
            Table correctness = s.correctness(), speed = s.speed(), batching = s.batching(), formats = s.formats();
            Tables t = new Tables(correctness, formats, speed, batching);
            return new Result(t, s.record(out, t));
        }
    }

    public EngineStudyConfig config() { return cfg; }

    // ---------------------------------------------------------------- correctness vs llama2.c

    /**
     * stories260K (llama2.c checkpoint) against llama2.c's outputs: greedy text of {@code greedySteps}
     * tokens from BOS vs {@code reference/greedy_t0_steps256.txt}, and the logits after BOS vs
     * {@code reference/logits_pos0_bos.txt}. Columns: check, pass, measured, detail.
     */
    public Table correctness() throws IOException {
        Path ref = Path.of(cfg.model()).toAbsolutePath().resolveSibling("reference");
        Table t = Table.create("correctness", StringColumn.create("check"), BooleanColumn.create("pass"),
                DoubleColumn.create("measured"), StringColumn.create("detail"));
        Llama llama = new Llama(reference.weights(), backend);

        String expected = read(ref.resolve("greedy_t0_steps256.txt"));
        if (expected.endsWith("\n")) expected = expected.substring(0, expected.length() - 1);   // llama2.c prints a final newline
        String got = new Generator(llama, reference.tokenizer()).generate("", cfg.greedySteps(), Sampler.greedy(), null).text();
        int diff = firstDifference(got, expected);
        // at fewer steps than the reference, our text must be a prefix of it
        boolean textOk = cfg.greedySteps() >= 256 ? diff < 0 : expected.startsWith(got);
        add(t, "greedy " + cfg.greedySteps() + " steps = llama2.c text", textOk, diff,
                diff < 0 ? "identical, " + got.length() + " characters"
                        : "first difference at character " + diff + " (ours " + got.length() + " chars, reference " + expected.length() + ")");

        float[] want = readFloats(ref.resolve("logits_pos0_bos.txt"));
        KvCache cache = new DenseKvCache(backend, reference.config(), 8);
        float[] logits = backend.read(llama.forward(Batch.of(0, new int[]{BOS}, 0, false), cache, ForwardHooks.NONE));
        if (logits.length != want.length) throw new IllegalStateException("logits_pos0_bos.txt has " + want.length + " values, the model's vocab is " + logits.length);
        double maxDiff = 0;
        int worst = 0;
        for (int i = 0; i < logits.length; i++) {
            double d = Math.abs(logits[i] - want[i]);
            if (d > maxDiff) { maxDiff = d; worst = i; }
        }
        add(t, "logits after BOS: max |diff|", maxDiff <= LOGITS_TOLERANCE, maxDiff,
                String.format("worst at id %d (ours %.6f, reference %.6f); tolerance %.0e", worst, logits[worst], want[worst], LOGITS_TOLERANCE));
        int am = argmax(logits), wm = argmax(want);
        add(t, "logits after BOS: argmax", am == wm, am, "reference argmax " + wm);
        return t;
    }

    // ---------------------------------------------------------------- formats and dtypes

    /**
     * Every converted variant against the llama2.c F32 model: greedy tokens from BOS identical (and the first
     * differing step), top-1 agreement and perplexity on the evaluation slice, Δppl in percent.
     * Columns: format, dtype, stored, weight_bytes, bits_per_weight, greedy_identical, first_diff_step,
     * top1_agreement, ppl, dppl_pct, eval_tokens.
     */
    public Table formats() throws IOException {
        int[] ids = evaluationTokens();
        Table t = Table.create("formats", StringColumn.create("format"), StringColumn.create("dtype"), StringColumn.create("stored"),
                LongColumn.create("weight_bytes"), DoubleColumn.create("bits_per_weight"), BooleanColumn.create("greedy_identical"),
                IntColumn.create("first_diff_step"), DoubleColumn.create("top1_agreement"), DoubleColumn.create("ppl"),
                DoubleColumn.create("dppl_pct"), IntColumn.create("eval_tokens"));
        int[] refTokens = null;
        NextTokenPredictions refPred = null;
        for (Variant v : variants) {
            LoadedModel m = v.format().equals("llama2c") ? reference : ModelLoader.open(v.path(), null);
            Llama llama = new Llama(m.weights(), backend);
            int[] greedy = greedyIds(llama);
            NextTokenPredictions pred = NextTokenPredictions.of(llama, ids, PPL_CHUNK);
            if (refTokens == null) { refTokens = greedy; refPred = pred; }
            int diff = firstDifference(greedy, refTokens);
            double ppl = pred.perplexity().perplexity(), refPpl = refPred.perplexity().perplexity();
            long bytes = m.weights().byteSize();
            t.stringColumn("format").append(v.format());
            t.stringColumn("dtype").append(v.dtype());
            t.stringColumn("stored").append(DecodeBenchmark.describe(m.weights()));
            t.longColumn("weight_bytes").append(bytes);
            t.doubleColumn("bits_per_weight").append(8.0 * bytes / m.config().parameterCount());
            t.booleanColumn("greedy_identical").append(diff < 0);
            t.intColumn("first_diff_step").append(diff);
            t.doubleColumn("top1_agreement").append(pred.top1Agreement(refPred));
            t.doubleColumn("ppl").append(ppl);
            t.doubleColumn("dppl_pct").append(100 * (ppl / refPpl - 1));
            t.intColumn("eval_tokens").append(pred.tokens());
        }
        return t;
    }

    /** The evaluation slice as tokens (BOS first). */
    public int[] evaluationTokens() throws IOException {
        String text = read(Path.of(cfg.evaluationText()));
        if (cfg.evalChars() > 0 && text.length() > cfg.evalChars()) {
            int end = text.lastIndexOf(' ', cfg.evalChars());     // cut at a word boundary
            text = text.substring(0, end > 0 ? end : cfg.evalChars());
        }
        int[] ids = reference.tokenizer().encode(text, true, false);
        if (ids.length < 2) throw new IllegalArgumentException(cfg.evaluationText() + ": the evaluation slice has fewer than 2 tokens");
        return ids;
    }

    private int[] greedyIds(Llama llama) {
        // the Generator stops at BOS/EOS when it has a tokenizer; token ids alone need none
        return new Generator(llama, null).generate(new int[]{BOS}, cfg.greedySteps(), Sampler.greedy(), null).tokens();
    }

    // ---------------------------------------------------------------- speed

    /**
     * Prefill and decode speed ({@link DecodeBenchmark}) of stories260K in every dtype (loaded from the GGUF
     * files) and, when {@code synthPreset} is set, of random weights at that preset's shape (written with
     * {@link SyntheticModel} as GGUF into the temporary folder, one dtype at a time). Each row is warmed up once and
     * then timed {@code speedRepeats} times, each run just after its own yardsticks: the triad bandwidth, the read-only
     * stream ({@link ReadBandwidth}, the access pattern of decode) and the Vector API FMA peak ({@link FmaThroughput},
     * the compute roof of prefill), so that a slow minute of a shared machine moves a run and what it is divided by
     * together. The row is the median run by decode tokens/s (the lower middle one for an even count), so its columns
     * stay one run's consistent figures; the ranges over all runs are in the {@code _min}/{@code _max} columns.
     * Columns: model, dtype, stored, params, weight_bytes_per_token, prompt_tokens, decode_steps, prefill_tps, decode_tps,
     * ttft_ms, tpot_ms, triad_gbs, decode_gbs, pct_of_triad, ceiling_tps, read_gbs, pct_of_read, fma_gflops,
     * prefill_gflops (prefill's FLOPs by {@link CostModel#prefillFlops} per second of TTFT), pct_of_fma, threads, runs,
     * decode_tps_min, decode_tps_max, prefill_tps_min, prefill_tps_max, pct_of_triad_min, pct_of_triad_max.
     */
    public Table speed() throws IOException {
        Table t = Table.create("results", StringColumn.create("model"), StringColumn.create("dtype"), StringColumn.create("stored"),
                LongColumn.create("params"), LongColumn.create("weight_bytes_per_token"), IntColumn.create("prompt_tokens"),
                IntColumn.create("decode_steps"), DoubleColumn.create("prefill_tps"), DoubleColumn.create("decode_tps"),
                DoubleColumn.create("ttft_ms"), DoubleColumn.create("tpot_ms"), DoubleColumn.create("triad_gbs"),
                DoubleColumn.create("decode_gbs"), DoubleColumn.create("pct_of_triad"), DoubleColumn.create("ceiling_tps"),
                DoubleColumn.create("read_gbs"), DoubleColumn.create("pct_of_read"), DoubleColumn.create("fma_gflops"),
                DoubleColumn.create("prefill_gflops"), DoubleColumn.create("pct_of_fma"), IntColumn.create("threads"),
                IntColumn.create("runs"), DoubleColumn.create("decode_tps_min"), DoubleColumn.create("decode_tps_max"),
                DoubleColumn.create("prefill_tps_min"), DoubleColumn.create("prefill_tps_max"),
                DoubleColumn.create("pct_of_triad_min"), DoubleColumn.create("pct_of_triad_max"));
        DecodeBenchmark.Settings s = new DecodeBenchmark.Settings(cfg.promptTokens(), cfg.genTokens(), cfg.warmupTokens(), 7);
        for (Variant v : variants) {
            if (!v.format().equals("gguf")) continue;
            LoadedModel m = ModelLoader.open(v.path(), null);
            speedRow(t, "stories260K", v.dtype(), m, s);
        }
        if (cfg.synthPreset() != null) {
            for (String d : cfg.dtypes()) {
                Path gguf = synthetic(d);
                speedRow(t, cfg.synthPreset() + " (synthetic)", d, ModelLoader.open(gguf, null), s);
                Files.deleteIfExists(gguf);   // a 110M F32 file is 440 MB: keep one at a time
            }
        }
        return t;
    }

    /**
     * Decode against batch size ({@link DecodeBenchmark} with a {@link BatchDecoder}): for each dtype and each of
     * {@code batches}, that many sequences, each with its own prompt, decoded in lockstep. On the synthetic model when
     * the budget has one (the bandwidth-bound case), else on stories260K. Columns: model, dtype, batch, prompt_tokens,
     * decode_steps, prefill_tps, decode_tps (all sequences), tpot_ms (one step), speedup (decode_tps over batch 1's,
     * NaN without a batch-1 run), threads.
     */
    public Table batching() throws IOException {
        Table t = Table.create("batching", StringColumn.create("model"), StringColumn.create("dtype"), IntColumn.create("batch"),
                IntColumn.create("prompt_tokens"), IntColumn.create("decode_steps"), DoubleColumn.create("prefill_tps"),
                DoubleColumn.create("decode_tps"), DoubleColumn.create("tpot_ms"), DoubleColumn.create("speedup"), IntColumn.create("threads"));
        DecodeBenchmark.Settings s = new DecodeBenchmark.Settings(cfg.promptTokens(), cfg.genTokens(), cfg.warmupTokens(), 7);
        for (String d : cfg.dtypes()) {
            if (cfg.synthPreset() != null) {
                Path gguf = synthetic(d);
                batchRows(t, cfg.synthPreset() + " (synthetic)", d, ModelLoader.open(gguf, null), s);
                Files.deleteIfExists(gguf);
            } else {
                Variant v = variants.stream().filter(x -> x.format().equals("gguf") && x.dtype().equals(d)).findFirst().orElseThrow();
                batchRows(t, "stories260K", d, ModelLoader.open(v.path(), null), s);
            }
        }
        return t;
    }

    /** Random weights (seed 1234) at {@code synthPreset}'s shape in {@code dtype}, written as GGUF into the work folder. */
    private Path synthetic(String dtype) throws IOException {
        ModelConfig c = ModelPresets.get(cfg.synthPreset());
        Path gguf = work.resolve(cfg.synthPreset() + "-synthetic-" + dtype.toLowerCase() + ".gguf");
        List<OutputTensor> tensors = SyntheticModel.tensors(c, DType.valueOf(dtype), 1234);
        Converter.write(Converter.Target.GGUF, gguf, cfg.synthPreset() + "-synthetic", c, tensors, SentencePieceVocab.synthetic(c.vocabSize()), b -> { });
        return gguf;
    }

    private void batchRows(Table t, String model, String dtype, LoadedModel m, DecodeBenchmark.Settings s) {
        BatchDecoder.Factory decoders = BatchDecoder.of(new Llama(m.weights(), backend));
        double single = Double.NaN;
        for (int b : cfg.batches()) {
            DecodeBenchmark.Result r = DecodeBenchmark.measure(decoders, m.weights(), s, b, null);
            if (b == 1) single = r.decodeTokensPerSecond();
            t.stringColumn("model").append(model);
            t.stringColumn("dtype").append(dtype);
            t.intColumn("batch").append(b);
            t.intColumn("prompt_tokens").append(r.promptTokens());
            t.intColumn("decode_steps").append(r.decodeSteps());
            t.doubleColumn("prefill_tps").append(r.prefillTokensPerSecond());
            t.doubleColumn("decode_tps").append(r.decodeTokensPerSecond());
            t.doubleColumn("tpot_ms").append(r.tpotMs());
            t.doubleColumn("speedup").append(r.decodeTokensPerSecond() / single);
            t.intColumn("threads").append(cfg.threads());
        }
    }

    private void speedRow(Table t, String model, String dtype, LoadedModel m, DecodeBenchmark.Settings s) {
        // each run just after its own yardsticks
        List<DecodeBenchmark.Beside<Yardsticks>> runs = DecodeBenchmark.repeated(BatchDecoder.of(new Llama(m.weights(), backend)),
                m.weights(), s, 1, cfg.speedRepeats(), () -> Yardsticks.host(cfg.triadArrayBytes(), cfg.threads(), cfg.triadPasses(), 5_000_000), null);
        List<DecodeBenchmark.Beside<Yardsticks>> byDecode = runs.stream()
                .sorted(java.util.Comparator.comparingDouble(x -> x.result().decodeTokensPerSecond())).toList();
        DecodeBenchmark.Beside<Yardsticks> mid = byDecode.get((byDecode.size() - 1) / 2);
        DecodeBenchmark.Result r = mid.result();
        double triad = mid.before().triad(), read = mid.before().read(), fma = mid.before().fma();
        t.stringColumn("model").append(model);
        t.stringColumn("dtype").append(dtype);
        t.stringColumn("stored").append(r.dtype());
        t.longColumn("params").append(m.config().parameterCount());
        t.longColumn("weight_bytes_per_token").append(r.weightBytesPerToken());
        t.intColumn("prompt_tokens").append(r.promptTokens());
        t.intColumn("decode_steps").append(r.decodeSteps());
        t.doubleColumn("prefill_tps").append(r.prefillTokensPerSecond());
        t.doubleColumn("decode_tps").append(r.decodeTokensPerSecond());
        t.doubleColumn("ttft_ms").append(r.ttftMs());
        t.doubleColumn("tpot_ms").append(r.tpotMs());
        t.doubleColumn("triad_gbs").append(triad / 1e9);
        t.doubleColumn("decode_gbs").append(r.decodeBytesPerSecond() / 1e9);
        t.doubleColumn("pct_of_triad").append(r.percentOf(triad));
        t.doubleColumn("ceiling_tps").append(r.ceilingTokensPerSecond(triad));
        t.doubleColumn("read_gbs").append(read / 1e9);
        t.doubleColumn("pct_of_read").append(r.percentOf(read));
        double prefillFlops = r.prefillTokensPerSecond() * CostModel.prefillFlops(m.config(), r.promptTokens()) / r.promptTokens();
        t.doubleColumn("fma_gflops").append(fma / 1e9);
        t.doubleColumn("prefill_gflops").append(prefillFlops / 1e9);
        t.doubleColumn("pct_of_fma").append(100 * prefillFlops / fma);
        t.intColumn("threads").append(cfg.threads());
        t.intColumn("runs").append(runs.size());
        range(t, "decode_tps", runs, x -> x.result().decodeTokensPerSecond());
        range(t, "prefill_tps", runs, x -> x.result().prefillTokensPerSecond());
        range(t, "pct_of_triad", runs, x -> x.result().percentOf(x.before().triad()));
    }

    /** Appends the min and max of {@code f} over {@code runs} to columns {@code name_min} and {@code name_max}. */
    private static void range(Table t, String name, List<DecodeBenchmark.Beside<Yardsticks>> runs,
                              java.util.function.ToDoubleFunction<DecodeBenchmark.Beside<Yardsticks>> f) {
        t.doubleColumn(name + "_min").append(runs.stream().mapToDouble(f).min().orElseThrow());
        t.doubleColumn(name + "_max").append(runs.stream().mapToDouble(f).max().orElseThrow());
    }

    // ---------------------------------------------------------------- recording

    private Map<String, Object> provenanceConfig() {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("study", cfg);
        config.put("stories260K", reference.config());
        if (cfg.synthPreset() != null) config.put(cfg.synthPreset(), ModelPresets.get(cfg.synthPreset()));
        return config;
    }

    /** Records {@code tables} and the figures as a run under {@code out} (its start time is when the study was opened). */
    public RecordedRun record(Path out, Tables tables) throws IOException {
        return new RunRecorder(out, run)
                .results(tables.speed()).table("correctness", tables.correctness()).table("formats", tables.formats())
                .table("batching", tables.batching())
                .figure(PAPER, EngineFigures.DECODE_VS_CEILING, EngineFigures.decodeVsCeiling(tables.speed()))
                .figure(PAPER, EngineFigures.DECODE_VS_BATCH, EngineFigures.decodeVsBatch(tables.batching()))
                .figure(PAPER, EngineFigures.ACCURACY, EngineFigures.accuracy(tables.formats()))
                .commit();
    }

    /** Closes the backend and deletes the converted files. */
    @Override public void close() throws IOException {
        backend.close();
        AtomicFiles.deleteTree(work);
    }

    // ---------------------------------------------------------------- small helpers

    private static void add(Table t, String check, boolean pass, double measured, String detail) {
        t.stringColumn("check").append(check);
        t.booleanColumn("pass").append(pass);
        t.doubleColumn("measured").append(measured);
        t.stringColumn("detail").append(detail);
    }

    /** Index of the first differing character, or -1 when equal. */
    static int firstDifference(String a, String b) {
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) if (a.charAt(i) != b.charAt(i)) return i;
        return a.length() == b.length() ? -1 : n;
    }

    /** Index of the first differing token, or -1 when equal. */
    static int firstDifference(int[] a, int[] b) {
        int i = Arrays.mismatch(a, b);
        return i;
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    private static String read(Path p) throws IOException {
        if (!Files.isRegularFile(p)) throw new IllegalArgumentException("engine study: missing file " + p);
        return Files.readString(p);
    }

    private static float[] readFloats(Path p) throws IOException {
        String[] parts = read(p).trim().split("\\s+");
        float[] f = new float[parts.length];
        for (int i = 0; i < f.length; i++) {
            try {
                f[i] = Float.parseFloat(parts[i]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(p + ": value " + i + " '" + parts[i] + "' is not a number");
            }
        }
        return f;
    }
}
