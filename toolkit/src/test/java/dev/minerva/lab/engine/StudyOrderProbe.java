package dev.minerva.lab.engine;

import java.nio.file.Path;
import java.util.List;

/**
 * Runs the engine study's steps in the order given, in one JVM, and prints the F32 batching table: how earlier work
 * in a JVM changes a later model's speed (paper section "Measuring in one JVM"). At budget {@code full}, F32 only.
 * Args: steps from correctness, formats, speed, batching. Measured on the 2-core machine: correctness then batching,
 * batch 16 at 100 ms a step; correctness, formats then batching, 326 ms, until {@code CpuBackend.load} gave the
 * kernels one segment class (then 90-94 ms; see {@code SegmentClassProbe}). Needs {@code ../shared/models/stories260K}.
 */
public final class StudyOrderProbe {
    public static void main(String[] steps) throws Exception {
        Path root = dev.minerva.record.Locations.root();
        Path models = root.resolveSibling("shared").resolve("models/stories260K");
        EngineStudyConfig full = EngineStudyConfig.forBudget("full", models.resolve("stories260K.bin"), models.resolve("tok512.bin"),
                root.resolve("datasets/stories/evaluation.txt"));
        EngineStudyConfig cfg = new EngineStudyConfig(full.budget(), full.model(), full.tokenizer(), full.evaluationText(), full.evalChars(),
                full.greedySteps(), List.of("F32"), full.promptTokens(), full.genTokens(), full.warmupTokens(), full.batches(),
                full.synthPreset(), full.triadArrayBytes(), full.triadPasses(), full.threads(), full.speedRepeats());
        try (EngineStudy s = EngineStudy.open(cfg)) {
            for (String step : steps) {
                long t0 = System.nanoTime();
                switch (step) {
                    case "correctness" -> s.correctness();
                    case "formats" -> s.formats();
                    case "speed" -> System.out.println(s.speed().printAll());
                    case "batching" -> System.out.println(s.batching().printAll());
                    default -> throw new IllegalArgumentException("unknown step " + step + " (correctness, formats, speed, batching)");
                }
                System.out.printf("%s: %.1f s%n", step, (System.nanoTime() - t0) / 1e9);
            }
        }
    }
}
