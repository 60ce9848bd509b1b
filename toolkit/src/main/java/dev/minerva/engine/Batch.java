package dev.minerva.engine;

import dev.minerva.backend.AttentionMask;

import java.util.List;

/**
 * A ragged batch: several sequences, each with its new tokens and their positions. Prefill (one
 * sequence, many tokens), decode (one token), batched decode (many sequences, one token each) and
 * speculative/Medusa verification (tokens under a tree mask) are all a {@code Batch}.
 * Rows are laid out sequence after sequence in list order.
 */
public record Batch(List<Entry> entries) {

    /**
     * One sequence's part of the batch.
     *
     * @param seqId     the KV-cache sequence
     * @param tokens    new token ids
     * @param positions their RoPE positions (usually cache length, +1, ...)
     * @param allLogits logits for every row (verification, perplexity) or only the last (generation)
     * @param mask      which cache slots each new row sees
     */
    public record Entry(int seqId, int[] tokens, int[] positions, boolean allLogits, AttentionMask mask) {
        public Entry {
            if (tokens.length == 0) throw new IllegalArgumentException("sequence " + seqId + " has no tokens in the batch");
            if (positions.length != tokens.length) {
                throw new IllegalArgumentException("sequence " + seqId + ": " + tokens.length + " tokens but " + positions.length + " positions");
            }
        }

        /** Rows of logits this entry produces. */
        public int logitRows() { return allLogits ? tokens.length : 1; }
    }

    public Batch {
        if (entries.isEmpty()) throw new IllegalArgumentException("empty batch");
        entries = List.copyOf(entries);
    }

    /** One sequence, tokens at consecutive positions from {@code startPos}, causal. */
    public static Batch of(int seqId, int[] tokens, int startPos, boolean allLogits) {
        return new Batch(List.of(causal(seqId, tokens, startPos, allLogits)));
    }

    /** A causal entry with consecutive positions from {@code startPos}. */
    public static Entry causal(int seqId, int[] tokens, int startPos, boolean allLogits) {
        int[] pos = new int[tokens.length];
        for (int i = 0; i < pos.length; i++) pos[i] = startPos + i;
        return new Entry(seqId, tokens.clone(), pos, allLogits, AttentionMask.CAUSAL);
    }

    /** Total rows (tokens of all sequences). */
    public int rows() { return entries.stream().mapToInt(e -> e.tokens().length).sum(); }

    /** Total logit rows. */
    public int logitRows() { return entries.stream().mapToInt(Entry::logitRows).sum(); }

    /** All token ids, row order. */
    public int[] tokens() { return entries.stream().flatMapToInt(e -> java.util.Arrays.stream(e.tokens())).toArray(); }

    /** All positions, row order. */
    public int[] positions() { return entries.stream().flatMapToInt(e -> java.util.Arrays.stream(e.positions())).toArray(); }
}
