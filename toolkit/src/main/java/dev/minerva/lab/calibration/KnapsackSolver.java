package dev.minerva.lab.calibration;

import java.util.Arrays;
import java.util.List;

/**
 * Exact multiple-choice knapsack by dynamic programming over a discretised constraint.
 * <ul>
 * <li>Byte budget: the DP runs over bytes in units of the gcd of all option sizes, so it is exact
 *     whenever {@code budget / gcd} fits in {@code maxStates}; otherwise sizes are rounded UP to a
 *     coarser unit (the plan then always fits, and may be slightly sub-optimal).</li>
 * <li>Loss budget: the DP runs over loss in units of {@code budget / maxStates}, losses rounded UP
 *     (conservative: the plan's true predicted loss never exceeds the budget), minimising bytes.</li>
 * </ul>
 * Memory: items x states bytes for the back-pointers.
 */
public final class KnapsackSolver implements PlanSolver {
    private final int maxStates;

    public KnapsackSolver() { this(1 << 18); }

    /** @param maxStates upper bound on DP states (resolution of the discretised constraint) */
    public KnapsackSolver(int maxStates) {
        if (maxStates < 1) throw new IllegalArgumentException("maxStates must be >= 1");
        this.maxStates = maxStates;
    }

    @Override public String id() { return "knapsack"; }

    @Override public PlanProblem.Solution solve(PlanProblem p, PlanBudget budget) {
        List<PlanProblem.Item> items = p.items();
        int n = items.size();
        // integer weight per option (the constrained quantity) and the value to minimise
        long[][] w = new long[n][];
        double[][] v = new double[n][];
        long cap;
        if (budget.boundsBytes()) {
            long g = 0;
            for (PlanProblem.Item it : items) for (PlanProblem.Option o : it.options()) g = gcd(g, o.bytes());
            if (g == 0) g = 1;
            long unit = Math.max(g, (budget.maxBytes() + maxStates - 1) / maxStates);
            boolean exact = unit == g;
            cap = budget.maxBytes() / unit;
            for (int i = 0; i < n; i++) {
                List<PlanProblem.Option> os = items.get(i).options();
                w[i] = new long[os.size()];
                v[i] = new double[os.size()];
                for (int o = 0; o < os.size(); o++) {
                    w[i][o] = exact ? os.get(o).bytes() / unit : ceilDiv(os.get(o).bytes(), unit);
                    v[i][o] = os.get(o).loss();
                }
            }
        } else {
            double unit = budget.maxLoss() > 0 ? budget.maxLoss() / maxStates : 1;
            cap = budget.maxLoss() > 0 ? maxStates : 0;
            for (int i = 0; i < n; i++) {
                List<PlanProblem.Option> os = items.get(i).options();
                w[i] = new long[os.size()];
                v[i] = new double[os.size()];
                for (int o = 0; o < os.size(); o++) {
                    double units = os.get(o).loss() / unit;
                    w[i][o] = os.get(o).loss() == 0 ? 0 : (long) Math.ceil(units - 1e-9 * Math.max(1, units));
                    v[i][o] = os.get(o).bytes();
                }
            }
        }
        int states = (int) Math.min(cap, Integer.MAX_VALUE - 1) + 1;
        double[] dp = new double[states];      // min value with constrained total <= c, items so far
        double[] next = new double[states];
        byte[][] back = new byte[n][states];
        for (int i = 0; i < n; i++) {
            Arrays.fill(next, Double.POSITIVE_INFINITY);
            for (int o = 0; o < w[i].length; o++) {
                long wo = w[i][o];
                if (wo >= states) continue;
                double vo = v[i][o];
                for (int c = (int) wo; c < states; c++) {
                    double cand = dp[c - (int) wo] + vo;
                    if (cand < next[c]) { next[c] = cand; back[i][c] = (byte) o; }
                }
            }
            double[] t = dp; dp = next; next = t;
        }
        if (Double.isInfinite(dp[states - 1])) {
            int[] cheapest = new int[n];
            for (int i = 0; i < n; i++) cheapest[i] = argMin(w[i]);
            return p.evaluate(cheapest, false, id());
        }
        int[] choice = new int[n];
        int c = states - 1;
        for (int i = n - 1; i >= 0; i--) {
            choice[i] = back[i][c];
            c -= (int) w[i][choice[i]];
        }
        return p.evaluate(choice, true, id());
    }

    private static int argMin(long[] a) {
        int b = 0;
        for (int i = 1; i < a.length; i++) if (a[i] < a[b]) b = i;
        return b;
    }

    private static long ceilDiv(long a, long b) { return (a + b - 1) / b; }

    private static long gcd(long a, long b) { while (b != 0) { long t = a % b; a = b; b = t; } return a; }
}
