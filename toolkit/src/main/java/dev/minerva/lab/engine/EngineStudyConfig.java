package dev.minerva.lab.engine;

import dev.minerva.bench.TriadBandwidth;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * What the engine study runs (recorded in run.json).
 *
 * @param budget          {@code ci} (about a minute on two shared cores) or {@code full}
 * @param model           the stories260K llama2.c checkpoint; its llama2.c reference outputs are in {@code reference/} beside it
 * @param tokenizer       its tokenizer ({@code tok512.bin})
 * @param evaluationText  text scored for perplexity and top-1 agreement
 * @param evalChars       characters of {@code evaluationText} used (from the start; 0 = all)
 * @param greedySteps     greedy tokens generated from BOS, compared with the reference and across formats
 * @param dtypes          weight dtypes converted to GGUF and measured (F32, Q8_0, Q4_0)
 * @param promptTokens    prompt length of the speed runs
 * @param genTokens       tokens generated in the speed runs (the first by the prefill)
 * @param warmupTokens    untimed decode steps before each speed run
 * @param batches         batch sizes of the batching runs (sequences decoded in lockstep), on the synthetic model when
 *                        there is one, else on stories260K
 * @param synthPreset     a preset whose shape is also measured with random weights (e.g. {@code stories110m}), or null
 * @param triadArrayBytes bytes of each triad array
 * @param triadPasses     timed triad passes (best is kept)
 * @param threads         CPU backend and triad threads
 * @param speedRepeats    timed runs per speed row, each beside its own triad, read-stream and FMA measurements; the row
 *                        holds their medians and the range of decode, prefill and % of triad
 */
public record EngineStudyConfig(String budget, String model, String tokenizer, String evaluationText, int evalChars,
                                int greedySteps, List<String> dtypes, int promptTokens, int genTokens, int warmupTokens,
                                List<Integer> batches, String synthPreset, long triadArrayBytes, int triadPasses, int threads,
                                int speedRepeats) {

    public EngineStudyConfig {
        budget = budget.toLowerCase(Locale.ROOT);
        if (!budget.equals("ci") && !budget.equals("full") && !budget.equals("tiny")) {
            throw new IllegalArgumentException("budget '" + budget + "' is not one of ci, full, tiny");
        }
        if (greedySteps < 1 || promptTokens < 1 || genTokens < 2 || warmupTokens < 0 || triadPasses < 1 || threads < 1 || evalChars < 0
                || speedRepeats < 1) {
            throw new IllegalArgumentException("engine study: counts must be positive: " + greedySteps + ", " + promptTokens + ", "
                    + genTokens + ", " + warmupTokens + ", " + triadPasses + ", " + threads + ", " + evalChars + ", " + speedRepeats);
        }
        dtypes = List.copyOf(dtypes);
        batches = List.copyOf(batches);
        if (batches.isEmpty() || batches.stream().anyMatch(b -> b < 1)) throw new IllegalArgumentException("engine study: batch sizes must be >= 1: " + batches);
    }

    /**
     * The study at a budget (batches 1, 4 and 16; tiny: 1 and 2): {@code ci} (a 3,000-character evaluation slice, 32-token prompts and generations,
     * 64 MiB triad arrays, best of 6 passes: a pass takes tens of milliseconds, and with fewer the best pass on a
     * loaded machine was sometimes still 10× low; one timed run per speed row), {@code full} (the whole evaluation text, 128-token runs, a
     * stories110M-shape synthetic model too, triad arrays 4× the last-level cache, five timed runs per speed row: single
     * runs on a shared 2-core machine move by ±20 %), or {@code tiny} (tests: the smallest useful run, two timed runs).
     */
    public static EngineStudyConfig forBudget(String budget, Path model, Path tokenizer, Path evaluationText) {
        int threads = Runtime.getRuntime().availableProcessors();
        long llc = TriadBandwidth.lastLevelCacheBytes();
        List<String> dtypes = List.of("F32", "Q8_0", "Q4_0");
        String m = model.toAbsolutePath().normalize().toString(), t = tokenizer.toAbsolutePath().normalize().toString();
        String e = evaluationText.toAbsolutePath().normalize().toString();
        return switch (budget.toLowerCase(Locale.ROOT)) {
            case "full" -> new EngineStudyConfig("full", m, t, e, 0, 256, dtypes, 128, 128, 16, List.of(1, 4, 16), "stories110m",
                    TriadBandwidth.defaultArrayBytes(), 10, threads, 5);
            case "ci" -> new EngineStudyConfig("ci", m, t, e, 3000, 256, dtypes, 32, 32, 8, List.of(1, 4, 16), null,
                    Math.max(2 * llc, 32L << 20), 6, threads, 1);
            case "tiny" -> new EngineStudyConfig("tiny", m, t, e, 600, 256, dtypes, 8, 8, 2, List.of(1, 2), null, 16L << 20, 2, threads, 2);
            default -> throw new IllegalArgumentException("MINERVA_BUDGET: '" + budget + "' is not one of ci, full (or tiny for tests)");
        };
    }
}
