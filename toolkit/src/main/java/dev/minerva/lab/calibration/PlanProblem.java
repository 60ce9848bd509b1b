package dev.minerva.lab.calibration;

import java.util.List;

/**
 * A multiple-choice knapsack: each item (a weight tensor) must take exactly one option (a format)
 * with a cost in bytes and a predicted loss (the measured sensitivity of that tensor in that format,
 * added up over tensors: the additive model).
 *
 * @param items the tensors, each with at least one option
 */
public record PlanProblem(List<Item> items) {

    /** One choice for one tensor. @param format format id @param bytes exact bytes @param loss predicted loss (&ge; 0) */
    public record Option(String format, long bytes, double loss) {
        public Option {
            if (bytes < 0) throw new IllegalArgumentException("negative bytes for " + format);
            if (!(loss >= 0)) throw new IllegalArgumentException("loss must be >= 0 for " + format + ", got " + loss);
        }
    }

    /** @param name tensor name @param weights number of weights @param options its choices */
    public record Item(String name, long weights, List<Option> options) {
        public Item {
            if (options.isEmpty()) throw new IllegalArgumentException("tensor " + name + " has no format to choose from");
            options = List.copyOf(options);
        }
    }

    public PlanProblem { items = List.copyOf(items); }

    /** Total number of weights over all items. */
    public long weights() { return items.stream().mapToLong(Item::weights).sum(); }

    /** The byte budget that gives {@code bits} effective bits per weight. */
    public long bytesForBits(double bits) { return (long) Math.floor(bits * weights() / 8.0); }

    /** A choice of one option per item. @param choice option index per item */
    public record Solution(int[] choice, long bytes, double loss, boolean feasible, String solver) {
        public double bitsPerWeight(PlanProblem p) { return 8.0 * bytes / p.weights(); }
    }

    /** The solution for a given choice vector. */
    public Solution evaluate(int[] choice, boolean feasible, String solver) {
        long b = 0;
        double l = 0;
        for (int i = 0; i < items.size(); i++) {
            Option o = items.get(i).options().get(choice[i]);
            b += o.bytes();
            l += o.loss();
        }
        return new Solution(choice.clone(), b, l, feasible, solver);
    }
}
