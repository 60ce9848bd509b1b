package dev.minerva.backend;

/**
 * Which cache slots a query row may attend to. Query row {@code r} (0-based within its sequence's
 * rows of the batch) sits at slot {@code kvLength - rows + r}. The causal mask sees every slot up to
 * and including its own; a tree mask (speculative / Medusa verification) sees the committed prefix
 * plus its ancestors among the new rows. Implementations are immutable values: a backend may keep what it
 * derives from one (the CUDA backend packs a mask once for all the layers of a forward pass).
 */
public interface AttentionMask {

    /** The causal mask (prefill, decode, batched decode). */
    AttentionMask CAUSAL = new AttentionMask() {
        @Override public boolean isCausal() { return true; }
        @Override public boolean visible(int row, int rows, int slot, int kvLength) { return slot <= kvLength - rows + row; }
        @Override public String toString() { return "causal"; }
    };

    /** True for the plain causal mask: backends may then skip per-slot checks. */
    default boolean isCausal() { return false; }

    /** Whether query row {@code row} of {@code rows} may see cache slot {@code slot} of {@code kvLength}. */
    boolean visible(int row, int rows, int slot, int kvLength);
}
