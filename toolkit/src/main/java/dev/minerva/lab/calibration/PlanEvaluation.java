package dev.minerva.lab.calibration;

import java.util.Map;

/**
 * One plan (or baseline) measured on the evaluation chunks.
 *
 * @param name        row label ({@code uniform q4_0}, {@code knapsack 6.0 bits}, …)
 * @param kind        baseline, heuristic, sweep or plan
 * @param assignment  tensor → format id
 * @param bytes       exact bytes of the quantisable tensors
 * @param bitsPerWeight effective bits per weight over the quantisable tensors
 * @param predictedKl additive prediction of the mean KL from the calibration sensitivities
 * @param predictedDpplPct additive prediction of the relative perplexity change (percent)
 * @param perplexity  evaluation perplexity
 * @param dpplPct     per-chunk relative perplexity change (percent), mean ± 95 % CI
 * @param kl          per-chunk mean KL to the F32 model, mean ± 95 % CI
 * @param nativeKernels whether the engine's own F16/BF16/Q8_0/Q4_0 kernels ran (else all fake-quantised F32)
 */
public record PlanEvaluation(String name, String kind, Map<String, String> assignment, long bytes, double bitsPerWeight,
                             double predictedKl, double predictedDpplPct, double perplexity, MeanCi dpplPct, MeanCi kl,
                             boolean nativeKernels) {}
