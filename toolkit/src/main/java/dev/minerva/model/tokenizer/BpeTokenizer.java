package dev.minerva.model.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rank-based BPE as in Hugging Face {@code tokenizer.json} files, in its two Llama flavours:
 * <ul>
 * <li>{@link Mode#METASPACE}: SentencePiece-style (Llama 2, TinyLlama, Mistral): spaces become
 * {@code ▁}, a {@code ▁} is prepended, symbols are code points, unknown ones fall back to
 * {@code <0xNN>} byte tokens;</li>
 * <li>{@link Mode#BYTE_LEVEL}: GPT-2 / Llama 3: the text is split by a pre-tokenizer regex, each
 * chunk's UTF-8 bytes are spelled in {@link ByteLevelAlphabet}.</li>
 * </ul>
 * Within a chunk the adjacent pair with the lowest merge rank merges first (leftmost on ties).
 * Added tokens marked special are cut out of the input first and map to their ids directly.
 */
public final class BpeTokenizer implements Tokenizer {
    /** How text is turned into initial symbols. */
    public enum Mode { METASPACE, BYTE_LEVEL }

    /** GPT-2's pre-tokenizer regex (what {@code ByteLevel(use_regex=true)} applies). */
    public static final String GPT2_REGEX = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    private final Mode mode;
    private final String[] pieces;
    private final Map<String, Integer> ids;
    private final Map<Long, int[]> merges;      // (left id, right id) → {rank, merged id}
    private final Map<String, Integer> added;    // special/added token text → id
    private final List<String> addedTexts;       // the same, longest first (so the longest match wins)
    private final boolean[] special;
    private final Pattern preTokenizer;          // BYTE_LEVEL only; null = whole text is one chunk
    private final boolean byteFallback, ignoreMerges;
    private final int bos, eos, unk;
    private final int[] byteIds = new int[256];

    /**
     * @param pieces      token text by id (the {@code model.vocab} plus added tokens)
     * @param merges      merge rules in rank order, each {@code {left, right}}
     * @param added       added-token text → id, cut out of the input before BPE
     * @param special     per id: omitted by {@link #decode}
     * @param preTokenizer regex splitting text into chunks (byte-level), or {@code null}
     * @param bos         BOS id or -1; likewise {@code eos}, {@code unk}
     * @throws IllegalArgumentException if a merge names a piece not in the vocab
     */
    public BpeTokenizer(Mode mode, String[] pieces, List<String[]> merges, Map<String, Integer> added, boolean[] special,
                        String preTokenizer, boolean byteFallback, boolean ignoreMerges, int bos, int eos, int unk) {
        this.mode = mode;
        this.pieces = pieces.clone();
        this.ids = new HashMap<>();
        for (int i = pieces.length - 1; i >= 0; i--) if (pieces[i] != null) ids.put(pieces[i], i);
        this.merges = new HashMap<>();
        for (int r = 0; r < merges.size(); r++) {
            String[] m = merges.get(r);
            Integer a = ids.get(m[0]), b = ids.get(m[1]), ab = ids.get(m[0] + m[1]);
            if (a == null || b == null || ab == null) {
                throw new IllegalArgumentException("merge " + r + " '" + m[0] + " " + m[1] + "' names a piece that is not in the vocab");
            }
            this.merges.putIfAbsent(key(a, b), new int[]{r, ab});
        }
        this.added = new HashMap<>(added);
        this.addedTexts = added.keySet().stream().filter(a -> !a.isEmpty()).sorted(Comparator.comparingInt(String::length).reversed()).toList();
        this.special = special.clone();
        this.preTokenizer = preTokenizer == null ? null : Pattern.compile(preTokenizer);
        this.byteFallback = byteFallback;
        this.ignoreMerges = ignoreMerges;
        this.bos = bos;
        this.eos = eos;
        this.unk = unk;
        Arrays.fill(byteIds, -1);
        for (int b = 0; b < 256; b++) {
            Integer id = ids.get(String.format("<0x%02X>", b));
            if (id != null) byteIds[b] = id;
        }
    }

    private static long key(int a, int b) { return ((long) a << 32) | (b & 0xFFFFFFFFL); }

    public Mode mode() { return mode; }

    @Override public int[] encode(String text, boolean addBos, boolean addEos) {
        List<Integer> out = new ArrayList<>();
        if (addBos && bos >= 0) out.add(bos);
        // cut special/added tokens out first (longest first at each position)
        int from = 0;
        boolean first = true;
        for (int i = 0; i < text.length(); ) {
            String hit = null;
            for (String a : addedTexts) if (!a.isEmpty() && text.startsWith(a, i)) { hit = a; break; }
            if (hit == null) { i++; continue; }
            if (i > from) { encodeSegment(text.substring(from, i), first, out); }
            first = false;
            out.add(added.get(hit));
            i += hit.length();
            from = i;
        }
        if (from < text.length()) encodeSegment(text.substring(from), first, out);
        if (addEos && eos >= 0) out.add(eos);
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private void encodeSegment(String s, boolean first, List<Integer> out) {
        if (mode == Mode.METASPACE) {
            // the Llama 2 normalizer prepends ▁ to the text and replaces every space
            String n = (first ? SentencePieceVocab.SPACE : "") + s.replace(' ', SentencePieceVocab.SPACE);
            List<Integer> syms = new ArrayList<>();
            for (int i = 0; i < n.length(); ) {
                int cp = n.codePointAt(i);
                String ch = new String(Character.toChars(cp));
                i += Character.charCount(cp);
                Integer id = ids.get(ch);
                if (id != null) { syms.add(id); continue; }
                boolean done = false;
                if (byteFallback) {
                    List<Integer> bs = new ArrayList<>();
                    for (byte b : ch.getBytes(java.nio.charset.StandardCharsets.UTF_8)) bs.add(byteIds[b & 0xFF]);
                    if (!bs.contains(-1)) { syms.addAll(bs); done = true; }
                }
                if (!done && unk >= 0) syms.add(unk);
            }
            out.addAll(merge(syms));
            return;
        }
        List<String> chunks = new ArrayList<>();
        if (preTokenizer == null) chunks.add(s);
        else {
            Matcher m = preTokenizer.matcher(s);
            while (m.find()) if (!m.group().isEmpty()) chunks.add(m.group());
        }
        for (String c : chunks) {
            String spelled = ByteLevelAlphabet.encode(c);
            Integer whole = ids.get(spelled);
            if (ignoreMerges && whole != null) { out.add(whole); continue; }
            List<Integer> syms = new ArrayList<>();
            for (int i = 0; i < spelled.length(); i++) {
                Integer id = ids.get(String.valueOf(spelled.charAt(i)));
                if (id != null) syms.add(id);
                else if (unk >= 0) syms.add(unk);
            }
            out.addAll(merge(syms));
        }
    }

    /** Applies merges lowest rank first, leftmost on ties, until none applies. */
    private List<Integer> merge(List<Integer> syms) {
        return PairMerger.merge(syms, (l, r) -> {
            int[] m = merges.get(key(l, r));
            return m == null ? null : new PairMerger.Merge(m[1], m[0]);
        });
    }

    @Override public byte[] pieceBytes(int previous, int token) {
        String p = token >= 0 && token < pieces.length ? pieces[token] : null;
        if (p == null) return new byte[0];
        if (mode == Mode.BYTE_LEVEL) {
            if (special[token]) return p.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            TokenBytes out = new TokenBytes();
            for (char c : p.toCharArray()) {
                int b = ByteLevelAlphabet.toByte(c);
                if (b >= 0) out.raw(b); else out.text(String.valueOf(c));
            }
            return out.bytes();
        }
        int b = SentencePieceVocab.byteValue(p);
        if (b >= 0 && byteFallback) return new byte[]{(byte) b};
        p = p.replace(SentencePieceVocab.SPACE, ' ');
        if (previous == bos && p.startsWith(" ")) p = p.substring(1);
        return p.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    @Override public String decodePiece(int previous, int token) {
        return new String(pieceBytes(previous, token), java.nio.charset.StandardCharsets.UTF_8);
    }

    @Override public String decode(int[] tokens) {
        TokenBytes out = new TokenBytes();
        for (int t : tokens) {
            if (t < 0 || t >= pieces.length || pieces[t] == null || special[t]) continue;
            String p = pieces[t];
            if (mode == Mode.BYTE_LEVEL) {
                for (char c : p.toCharArray()) {
                    int b = ByteLevelAlphabet.toByte(c);
                    if (b >= 0) out.raw(b); else out.text(String.valueOf(c));
                }
                continue;
            }
            int b = SentencePieceVocab.byteValue(p);
            if (b >= 0 && byteFallback) { out.raw(b); continue; }
            p = p.replace(SentencePieceVocab.SPACE, ' ');
            if (out.isEmpty() && p.startsWith(" ")) p = p.substring(1);  // the prepended ▁
            out.text(p);
        }
        return out.toString();
    }

    /** The id of piece {@code text}, or -1. */
    public int id(String text) { return ids.getOrDefault(text, -1); }

    @Override public int vocabSize() { return pieces.length; }
    @Override public int bos() { return bos; }
    @Override public int eos() { return eos; }
}
