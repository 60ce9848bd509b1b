package dev.minerva.lab.calibration;

import java.util.List;

/**
 * Greedy plan: start every tensor at its lowest-loss format, then repeatedly take the single
 * downgrade with the smallest predicted loss increase per byte saved — until the byte budget is met,
 * or (loss budget) while the next downgrade still fits. Fast and usually close to optimal, but not
 * exact: the options of one tensor need not lie on a convex loss/bytes curve.
 */
public final class GreedySolver implements PlanSolver {

    @Override public String id() { return "greedy"; }

    @Override public PlanProblem.Solution solve(PlanProblem p, PlanBudget budget) {
        List<PlanProblem.Item> items = p.items();
        int n = items.size();
        int[] choice = new int[n];
        for (int i = 0; i < n; i++) choice[i] = bestLoss(items.get(i).options());
        PlanProblem.Solution cur = p.evaluate(choice, true, id());
        long bytes = cur.bytes();
        double loss = cur.loss();
        while (true) {
            if (budget.boundsBytes() && bytes <= budget.maxBytes()) break;
            int bi = -1, bo = -1;
            double bestRatio = Double.POSITIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                PlanProblem.Option c = items.get(i).options().get(choice[i]);
                List<PlanProblem.Option> opts = items.get(i).options();
                for (int o = 0; o < opts.size(); o++) {
                    PlanProblem.Option x = opts.get(o);
                    long saved = c.bytes() - x.bytes();
                    if (saved <= 0) continue;
                    double dl = x.loss() - c.loss();
                    if (!budget.boundsBytes() && loss + dl > budget.maxLoss()) continue;
                    double ratio = dl / saved;
                    if (ratio < bestRatio) { bestRatio = ratio; bi = i; bo = o; }
                }
            }
            if (bi < 0) break;
            PlanProblem.Option from = items.get(bi).options().get(choice[bi]), to = items.get(bi).options().get(bo);
            bytes += to.bytes() - from.bytes();
            loss += to.loss() - from.loss();
            choice[bi] = bo;
        }
        boolean feasible = budget.boundsBytes() ? bytes <= budget.maxBytes() : loss <= budget.maxLoss() + 1e-12;
        return p.evaluate(choice, feasible, id());
    }

    static int bestLoss(List<PlanProblem.Option> opts) {
        int best = 0;
        for (int o = 1; o < opts.size(); o++) {
            PlanProblem.Option a = opts.get(o), b = opts.get(best);
            if (a.loss() < b.loss() || (a.loss() == b.loss() && a.bytes() < b.bytes())) best = o;
        }
        return best;
    }
}
