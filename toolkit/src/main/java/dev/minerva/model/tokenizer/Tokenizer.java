package dev.minerva.model.tokenizer;

/**
 * Text to token ids and back. Implementations: llama2.c {@code tokenizer.bin}, Hugging Face
 * {@code tokenizer.json} (SentencePiece-style BPE with byte fallback, and byte-level BPE), GGUF vocab.
 */
public interface Tokenizer {

    /** Encodes {@code text}, optionally prefixed with BOS and suffixed with EOS. */
    int[] encode(String text, boolean bos, boolean eos);

    /**
     * The text of {@code token} when it follows {@code previous} (SentencePiece drops the leading
     * space of the first piece after BOS; byte tokens may be partial UTF-8 and are buffered by callers).
     */
    String decodePiece(int previous, int token);

    /**
     * The raw bytes of {@code token} after {@code previous}: like {@link #decodePiece} but a byte-fallback
     * token yields its single byte, so a streaming decoder can reassemble multi-byte UTF-8.
     */
    default byte[] pieceBytes(int previous, int token) {
        return decodePiece(previous, token).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Decodes a whole sequence (special tokens omitted, bytes reassembled into UTF-8). */
    String decode(int[] tokens);

    int vocabSize();

    int bos();

    int eos();
}
