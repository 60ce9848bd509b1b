package dev.minerva.lab.calibration;

/**
 * The constraint a plan must meet: either a byte budget (from a target effective bits per weight;
 * the solver then minimises predicted loss) or a loss budget (the solver then minimises bytes).
 *
 * @param maxBytes byte budget, or -1 when the loss is bounded instead
 * @param maxLoss  loss budget, or NaN when bytes are bounded instead
 */
public record PlanBudget(long maxBytes, double maxLoss) {

    public static PlanBudget bytes(long maxBytes) { return new PlanBudget(maxBytes, Double.NaN); }

    public static PlanBudget loss(double maxLoss) {
        if (!(maxLoss >= 0)) throw new IllegalArgumentException("loss budget must be >= 0: " + maxLoss);
        return new PlanBudget(-1, maxLoss);
    }

    public boolean boundsBytes() { return maxBytes >= 0; }
}
