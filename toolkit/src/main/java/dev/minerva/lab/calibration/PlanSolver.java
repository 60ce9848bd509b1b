package dev.minerva.lab.calibration;

/** Chooses one format per tensor under a {@link PlanBudget}, from measured (additive) sensitivities. */
public interface PlanSolver {

    /** Short id used in tables ({@code greedy}, {@code knapsack}). */
    String id();

    /**
     * @return the chosen options; {@code feasible == false} (with the cheapest choice) when no choice meets the budget
     */
    PlanProblem.Solution solve(PlanProblem problem, PlanBudget budget);
}
