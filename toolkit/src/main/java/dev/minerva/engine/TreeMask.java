package dev.minerva.engine;

import dev.minerva.backend.AttentionMask;

/**
 * Tree attention for speculative/Medusa verification: the new rows form a tree given by
 * {@code parent[r]} (-1 for a root, else an earlier row). Row r sees every committed slot
 * (before the new rows) and the slots of its ancestors and itself.
 */
public final class TreeMask implements AttentionMask {
    private final int[] parent;

    public TreeMask(int[] parent) {
        for (int r = 0; r < parent.length; r++) {
            if (parent[r] < -1 || parent[r] >= r) throw new IllegalArgumentException("tree row " + r + " has parent " + parent[r] + " (must be -1 or an earlier row)");
        }
        this.parent = parent.clone();
    }

    @Override public boolean visible(int row, int rows, int slot, int kvLength) {
        int first = kvLength - rows;
        if (slot < first) return true;
        int target = slot - first;
        for (int r = row; r >= 0; r = parent[r]) if (r == target) return true;
        return false;
    }

    @Override public String toString() { return "tree" + java.util.Arrays.toString(parent); }
}
