/**
 * Per-tensor precision calibration: how sensitive each weight tensor is to quantisation, which
 * format each tensor should get under a size or quality budget, and whether the plan really holds.
 * <ul>
 * <li>formats ({@link dev.minerva.lab.calibration.WeightFormat}): F32, F16, BF16, ggml Q8_0/Q4_0,
 *     INT8 per-channel, 4-bit group-wise asymmetric (g32/64/128), each with its exact bytes;</li>
 * <li>sensitivity metrics ({@link dev.minerva.lab.calibration.SensitivityMetric}): measured ΔKL and
 *     Δppl, and the cheap proxies imatrix, activation outliers, weight MSE;</li>
 * <li>solvers ({@link dev.minerva.lab.calibration.PlanSolver}): greedy and exact knapsack;</li>
 * <li>the study ({@link dev.minerva.lab.calibration.CalibrationStudy}), which verifies plans on a
 *     separate evaluation text with 95 % intervals, and its plan file
 *     ({@link dev.minerva.lab.calibration.PrecisionPlanFile}).</li>
 * </ul>
 */
package dev.minerva.lab.calibration;
