package dev.minerva.lab.calibration;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class PlanSolverTest {

    /** n tensors with 4 options each; bytes multiples of 8, integer losses; decreasing bytes, increasing loss with noise. */
    static PlanProblem randomProblem(Random r, int n) {
        List<PlanProblem.Item> items = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long size = 8L * (1 + r.nextInt(6));
            List<PlanProblem.Option> os = List.of(
                    new PlanProblem.Option("f32", size * 32, 0),
                    new PlanProblem.Option("q8", size * 9, r.nextInt(3)),
                    new PlanProblem.Option("i4", size * 5, 2 + r.nextInt(10)),
                    new PlanProblem.Option("q4", size * 4, 3 + r.nextInt(20)));
            items.add(new PlanProblem.Item("t" + i, size * 8, os));
        }
        return new PlanProblem(items);
    }

    /** Exhaustive search: the reference optimum. */
    static PlanProblem.Solution brute(PlanProblem p, PlanBudget b) {
        int n = p.items().size();
        int[] c = new int[n];
        PlanProblem.Solution best = null;
        while (true) {
            PlanProblem.Solution s = p.evaluate(c, true, "brute");
            boolean ok = b.boundsBytes() ? s.bytes() <= b.maxBytes() : s.loss() <= b.maxLoss();
            if (ok && (best == null || (b.boundsBytes() ? s.loss() < best.loss() : s.bytes() < best.bytes()))) best = s;
            int i = 0;
            while (i < n && ++c[i] == p.items().get(i).options().size()) c[i++] = 0;
            if (i == n) break;
        }
        return best;
    }

    @Test void knapsackMatchesBruteForceOnByteBudgets() {
        Random r = new Random(7);
        for (int trial = 0; trial < 40; trial++) {
            PlanProblem p = randomProblem(r, 2 + r.nextInt(5));
            long all32 = p.items().stream().mapToLong(it -> it.options().get(0).bytes()).sum();
            long budget = all32 / 8 + r.nextInt((int) (all32 / 4));
            PlanBudget b = PlanBudget.bytes(budget);
            PlanProblem.Solution exact = new KnapsackSolver().solve(p, b);
            PlanProblem.Solution ref = brute(p, b);
            PlanProblem.Solution greedy = new GreedySolver().solve(p, b);
            if (ref == null) { assertFalse(exact.feasible(), "trial " + trial); continue; }
            assertTrue(exact.feasible());
            assertTrue(exact.bytes() <= budget, "trial " + trial + " over budget: " + exact.bytes() + " > " + budget);
            assertEquals(ref.loss(), exact.loss(), 1e-9, "trial " + trial + ": knapsack loss vs brute force");
            if (greedy.feasible()) assertTrue(greedy.loss() >= exact.loss() - 1e-9, "trial " + trial + ": greedy beat the optimum");
        }
    }

    @Test void knapsackMatchesBruteForceOnLossBudgets() {
        Random r = new Random(11);
        for (int trial = 0; trial < 40; trial++) {
            PlanProblem p = randomProblem(r, 2 + r.nextInt(5));
            int maxLoss = 1 + r.nextInt(40);
            PlanBudget b = PlanBudget.loss(maxLoss);
            // resolution = maxLoss states: one unit per integer loss, so the discretisation is exact
            PlanProblem.Solution exact = new KnapsackSolver(maxLoss).solve(p, b);
            PlanProblem.Solution ref = brute(p, b);
            PlanProblem.Solution greedy = new GreedySolver().solve(p, b);
            assertNotNull(ref); // all-f32 has loss 0
            assertTrue(exact.loss() <= maxLoss + 1e-9);
            assertEquals(ref.bytes(), exact.bytes(), "trial " + trial + ": knapsack bytes vs brute force");
            assertTrue(greedy.feasible() && greedy.loss() <= maxLoss + 1e-9);
            assertTrue(greedy.bytes() >= exact.bytes(), "trial " + trial + ": greedy smaller than the optimum");
        }
    }

    @Test void greedyIsNotAlwaysOptimal() {
        // two tensors; greedy takes the best ratio first and gets stuck above the optimum
        PlanProblem p = new PlanProblem(List.of(
                new PlanProblem.Item("a", 10, List.of(new PlanProblem.Option("hi", 100, 0), new PlanProblem.Option("mid", 60, 1), new PlanProblem.Option("lo", 0, 100))),
                new PlanProblem.Item("b", 10, List.of(new PlanProblem.Option("hi", 100, 0), new PlanProblem.Option("lo", 0, 3)))));
        PlanBudget b = PlanBudget.bytes(100);
        PlanProblem.Solution g = new GreedySolver().solve(p, b), k = new KnapsackSolver().solve(p, b);
        assertEquals(3, k.loss(), 1e-12);
        assertTrue(g.loss() > k.loss(), "greedy " + g.loss());
    }

    @Test void infeasibleBudgetIsReported() {
        PlanProblem p = randomProblem(new Random(1), 3);
        assertFalse(new KnapsackSolver().solve(p, PlanBudget.bytes(1)).feasible());
        assertFalse(new GreedySolver().solve(p, PlanBudget.bytes(1)).feasible());
    }
}
