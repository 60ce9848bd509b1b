package dev.minerva.model.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * SentencePiece BPE by scores, as llama2.c's {@code encode} and llama.cpp's SPM tokenizer do it:
 * prepend {@code ▁} to non-empty text, spaces become {@code ▁}, one symbol per code point (code points
 * not in the vocab fall back to {@code <0xNN>} byte pieces), then repeatedly merge the adjacent pair
 * whose concatenation is the piece with the highest score (leftmost on ties).
 */
public final class SentencePieceTokenizer implements Tokenizer {
    private final SentencePieceVocab vocab;
    private final Map<String, Integer> ids = new HashMap<>();
    private final int[] byteIds = new int[256];

    public SentencePieceTokenizer(SentencePieceVocab vocab) {
        this.vocab = vocab;
        for (int i = vocab.size() - 1; i >= 0; i--) ids.put(vocab.pieces().get(i), i);  // first id wins on duplicates
        java.util.Arrays.fill(byteIds, -1);
        for (int i = 0; i < vocab.size(); i++) {
            int b = SentencePieceVocab.byteValue(vocab.pieces().get(i));
            if (b >= 0 && byteIds[b] < 0) byteIds[b] = i;
        }
    }

    public SentencePieceVocab vocab() { return vocab; }

    @Override public int[] encode(String text, boolean bos, boolean eos) {
        List<Integer> syms = new ArrayList<>();
        if (bos) syms.add(vocab.bos());
        int start = syms.size();
        if (!text.isEmpty()) {
            String s = SentencePieceVocab.SPACE + text.replace(' ', SentencePieceVocab.SPACE);
            for (int i = 0; i < s.length(); ) {
                int cp = s.codePointAt(i);
                String ch = new String(Character.toChars(cp));
                i += Character.charCount(cp);
                Integer id = ids.get(ch);
                if (id != null) { syms.add(id); continue; }
                for (byte b : ch.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
                    int bid = byteIds[b & 0xFF];
                    syms.add(bid >= 0 ? bid : Math.max(vocab.unk(), 0));
                }
            }
        }
        // merge the best-scoring adjacent pair (leftmost on ties) until none merges, as llama2.c does
        List<Integer> merged = PairMerger.merge(syms.subList(start, syms.size()), (l, r) -> {
            Integer m = ids.get(vocab.pieces().get(l) + vocab.pieces().get(r));
            return m == null ? null : new PairMerger.Merge(m, -vocab.scores()[m]);
        });
        syms = new ArrayList<>(syms.subList(0, start));
        syms.addAll(merged);
        if (eos) syms.add(vocab.eos());
        return syms.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override public byte[] pieceBytes(int previous, int token) {
        String p = vocab.pieces().get(token);
        int b = SentencePieceVocab.byteValue(p);
        if (b >= 0 && vocab.types()[token] == SentencePieceVocab.BYTE) return new byte[]{(byte) b};
        p = p.replace(SentencePieceVocab.SPACE, ' ');
        if (previous == vocab.bos() && p.startsWith(" ")) p = p.substring(1);
        return p.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    @Override public String decodePiece(int previous, int token) {
        return new String(pieceBytes(previous, token), java.nio.charset.StandardCharsets.UTF_8);
    }

    @Override public String decode(int[] tokens) {
        TokenBytes out = new TokenBytes();
        for (int t : tokens) {
            int type = vocab.types()[t];
            if (type == SentencePieceVocab.CONTROL || type == SentencePieceVocab.UNKNOWN && t != vocab.unk()) continue;
            String p = vocab.pieces().get(t);
            int b = SentencePieceVocab.byteValue(p);
            if (type == SentencePieceVocab.BYTE && b >= 0) { out.raw(b); continue; }
            p = p.replace(SentencePieceVocab.SPACE, ' ');
            if (out.isEmpty() && p.startsWith(" ")) p = p.substring(1);  // the dummy prefix
            out.text(p);
        }
        return out.toString();
    }

    @Override public int vocabSize() { return vocab.size(); }
    @Override public int bos() { return vocab.bos(); }
    @Override public int eos() { return vocab.eos(); }
}
