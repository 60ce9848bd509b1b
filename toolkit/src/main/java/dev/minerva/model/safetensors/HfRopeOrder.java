package dev.minerva.model.safetensors;

/**
 * The row order of {@code wq}/{@code wk} in Hugging Face Llama checkpoints. Meta's checkpoints and
 * llama2.c rotate interleaved pairs {@code (2i, 2i+1)} of each head; HF's {@code rotate_half} rotates
 * {@code (i, i + headSize/2)}, so HF's conversion script permutes the rows of each head: HF row
 * {@code h*hs + half*hs/2 + i} holds Meta row {@code h*hs + 2i + half}. Writers apply
 * {@link #hfRowToMeta} on the way out; readers undo it on the way in, so the engine always sees
 * llama2.c order.
 */
public final class HfRopeOrder {
    private HfRopeOrder() {}

    /**
     * The Meta/llama2.c row stored at HF row {@code hfRow} of a projection with heads of {@code headSize} rows.
     *
     * @param hfRow    row index in the HF tensor, {@code 0 ≤ hfRow < nHeads*headSize}
     */
    public static long hfRowToMeta(long hfRow, int headSize) {
        long head = hfRow / headSize;
        int j = (int) (hfRow % headSize);
        int half = j / (headSize / 2);
        int i = j % (headSize / 2);
        return head * headSize + 2L * i + half;
    }

    /** The HF row that holds Meta/llama2.c row {@code metaRow} (inverse of {@link #hfRowToMeta}). */
    public static long metaRowToHf(long metaRow, int headSize) {
        long head = metaRow / headSize;
        int j = (int) (metaRow % headSize);
        return head * headSize + (long) (j % 2) * (headSize / 2) + j / 2;
    }
}
