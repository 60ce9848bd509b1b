package dev.minerva.model;

import dev.minerva.TestModels;
import dev.minerva.model.llama2c.Llama2cCheckpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** Malformed llama2.c checkpoints: every failure is an IllegalArgumentException naming file, field and offset. */
class Llama2cCheckpointTest {
    @TempDir Path dir;

    static byte[] real() throws Exception { return Files.readAllBytes(TestModels.require("stories260K/stories260K.bin")); }

    Path write(String name, byte[] b) throws Exception {
        Path p = dir.resolve(name);
        Files.write(p, b);
        return p;
    }

    static byte[] withHeader(byte[] file, int field, int value) {
        byte[] c = file.clone();
        ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN).putInt(field * 4, value);
        return c;
    }

    IllegalArgumentException rejects(Path p, String... mustContain) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Llama2cCheckpoint.load(p));
        assertTrue(e.getMessage().contains(p.getFileName().toString()), "message names the file: " + e.getMessage());
        for (String s : mustContain) assertTrue(e.getMessage().contains(s), "message should mention '" + s + "': " + e.getMessage());
        return e;
    }

    @Test void realCheckpointLoads() throws Exception {
        Weights w = Llama2cCheckpoint.load(TestModels.require("stories260K/stories260K.bin"));
        assertEquals(ModelPresets.get("stories260k"), w.config());
    }

    @Test void truncatedFile() throws Exception {
        byte[] b = real();
        rejects(write("trunc.bin", Arrays.copyOf(b, b.length / 2)), "byte offset", "implies");
        rejects(write("header-only.bin", Arrays.copyOf(b, 28)), "implies");
        rejects(write("short.bin", Arrays.copyOf(b, 10)), "28-byte");
    }

    @Test void negativeAndHugeDims() throws Exception {
        byte[] b = real();
        rejects(write("neg.bin", withHeader(b, 0, -64)), "dim", "byte offset 0");
        rejects(write("huge.bin", withHeader(b, 1, Integer.MAX_VALUE)), "hidden_dim", "byte offset 4");
        rejects(write("layers.bin", withHeader(b, 2, 0)), "n_layers", "byte offset 8");
        rejects(write("minvocab.bin", withHeader(b, 5, Integer.MIN_VALUE)), "vocab_size", "byte offset 20");
        rejects(write("heads.bin", withHeader(b, 3, 7)), "n_heads", "byte offset 12");
        rejects(write("kvheads.bin", withHeader(b, 4, 3)), "n_kv_heads", "byte offset 16");
        // within range but the file is far too small for it
        rejects(write("big.bin", withHeader(withHeader(b, 0, 1 << 20), 1, 1 << 20)), "implies");
    }

    @Test void directoryAndDevNull() {
        rejects(dir, "not a regular file");
        Path devNull = Path.of("/dev/null");
        if (Files.exists(devNull)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Llama2cCheckpoint.load(devNull));
            assertTrue(e.getMessage().contains("/dev/null"), e.getMessage());
        }
    }

    @Test void mutatedHeadersNeverCrashOrHang() throws Exception {
        byte[] b = real();
        SplittableRandom rnd = new SplittableRandom(2024);
        Path p = dir.resolve("fuzz.bin");
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (int iter = 0; iter < 300; iter++) {
                byte[] c = b.clone();
                int flips = 1 + rnd.nextInt(4);
                for (int f = 0; f < flips; f++) c[rnd.nextInt(28)] = (byte) rnd.nextInt(256);
                int len = rnd.nextInt(4) == 0 ? rnd.nextInt(c.length) : c.length;
                Files.write(p, Arrays.copyOf(c, len));
                try {
                    Weights w = Llama2cCheckpoint.load(p);
                    // accepted: every tensor must lie inside the file
                    for (var t : w.tensors().values()) assertTrue(t.byteSize() <= len);
                } catch (IllegalArgumentException expected) {
                    assertTrue(expected.getMessage().contains("fuzz.bin"), expected.getMessage());
                }
            }
        });
    }
}
