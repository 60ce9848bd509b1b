package dev.minerva.model.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Collects the bytes of decoded pieces (text pieces and raw byte tokens) and turns them into UTF-8 text once. */
final class TokenBytes {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    void text(String s) { out.writeBytes(s.getBytes(StandardCharsets.UTF_8)); }

    void raw(int b) { out.write(b); }

    byte[] bytes() { return out.toByteArray(); }

    boolean isEmpty() { return out.size() == 0; }

    @Override public String toString() { return out.toString(StandardCharsets.UTF_8); }
}
