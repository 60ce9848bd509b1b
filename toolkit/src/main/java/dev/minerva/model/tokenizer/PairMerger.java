package dev.minerva.model.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * The merge loop shared by score-based BPE (llama2.c tokenizer.bin, SentencePiece in tokenizer.json and GGUF)
 * and rank-based (HF byte-level) BPE: repeatedly merge
 * the adjacent pair with the best priority, leftmost on ties, until none merges. A linked list and
 * a priority queue with lazy invalidation make it O(n log n) instead of the O(n²) rescan of
 * llama2.c, with the same result, so long texts (whole evaluation corpora) encode quickly.
 */
final class PairMerger {
    private PairMerger() {}

    /** What two adjacent symbols merge into, and how urgently (lower priority merges first). */
    record Merge(int id, double priority) {}

    /** Looks up the merge of the pair (left, right), or returns {@code null}. */
    @FunctionalInterface
    interface Table {
        Merge find(int left, int right);
    }

    private record Candidate(double priority, int left, int right, int leftId, int rightId, int merged) {}

    /** Merges {@code symbols} (token ids) under {@code table}. */
    static List<Integer> merge(List<Integer> symbols, Table table) {
        int n = symbols.size();
        int[] id = new int[n], next = new int[n], prev = new int[n];
        boolean[] alive = new boolean[n];
        for (int i = 0; i < n; i++) {
            id[i] = symbols.get(i);
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
            alive[i] = true;
        }
        PriorityQueue<Candidate> queue = new PriorityQueue<>((a, b) -> a.priority != b.priority
                ? Double.compare(a.priority, b.priority) : Integer.compare(a.left, b.left));
        for (int i = 0; i + 1 < n; i++) offer(queue, table, id, i, i + 1);
        while (!queue.isEmpty()) {
            Candidate c = queue.poll();
            // stale if either side has merged since this candidate was made
            if (!alive[c.left] || !alive[c.right] || next[c.left] != c.right || id[c.left] != c.leftId || id[c.right] != c.rightId) continue;
            id[c.left] = c.merged;
            alive[c.right] = false;
            next[c.left] = next[c.right];
            if (next[c.right] >= 0) prev[next[c.right]] = c.left;
            if (prev[c.left] >= 0) offer(queue, table, id, prev[c.left], c.left);
            if (next[c.left] >= 0) offer(queue, table, id, c.left, next[c.left]);
        }
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) if (alive[i]) out.add(id[i]);
        return out;
    }

    private static void offer(PriorityQueue<Candidate> q, Table table, int[] id, int l, int r) {
        Merge m = table.find(id[l], id[r]);
        if (m != null) q.add(new Candidate(m.priority(), l, r, id[l], id[r], m.id()));
    }
}
