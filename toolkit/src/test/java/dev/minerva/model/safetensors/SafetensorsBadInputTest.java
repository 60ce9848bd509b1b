package dev.minerva.model.safetensors;

import dev.minerva.model.FuzzModels;
import dev.minerva.model.ModelFormatException;
import dev.minerva.model.ModelLoader;
import dev.minerva.model.convert.Converter;
import dev.minerva.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** Malformed safetensors files and folders give a {@link ModelFormatException} naming file, field and offset. */
class SafetensorsBadInputTest {

    private static Path file(Path dir, long headerLen, String json, int dataBytes) throws Exception {
        byte[] j = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + j.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN).putLong(headerLen).put(j);
        Path f = dir.resolve("model.safetensors");
        Files.write(f, b.array());
        return f;
    }

    private static Path file(Path dir, String json, int dataBytes) throws Exception {
        return file(dir, json.getBytes(StandardCharsets.UTF_8).length, json, dataBytes);
    }

    private static void expect(Path f, String... parts) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> {
            try (Arena a = Arena.ofConfined()) {
                SafetensorsFile s = SafetensorsFile.open(f, a);
                for (String n : s.names()) s.tensor(n);
            }
        });
        for (String p : parts) assertTrue(e.getMessage().contains(p), "message '" + e.getMessage() + "' lacks '" + p + "'");
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
    }

    @Test void headerAndExtentErrors(@TempDir Path dir) throws Exception {
        expect(file(dir, 1L << 50, "{}", 0), "header length", "at byte 0");
        expect(file(dir, -5, "{}", 0), "header length");
        expect(file(dir, "{\"a\": {\"dtype\": \"F32\", \"shape\": [2, 2], \"data_offsets\": [0, 16]", 16), "header JSON", "malformed");
        expect(file(dir, "{\"a\": {\"dtype\": \"F32\", \"shape\": [2, 2], \"data_offsets\": [0, 16]}}", 8), "tensor 'a' data_offsets", "outside");
        expect(file(dir, "{\"a\": {\"dtype\": \"F32\", \"shape\": [2, -2], \"data_offsets\": [0, 16]}}", 16), "tensor 'a' shape", "dimension 1");
        expect(file(dir, "{\"a\": {\"dtype\": \"F32\", \"shape\": [4611686018427387904, 4], \"data_offsets\": [0, 16]}}", 16), "tensor 'a' shape", "overflows");
        expect(file(dir, "{\"a\": {\"dtype\": \"F32\", \"shape\": [2, 3], \"data_offsets\": [0, 16]}}", 16), "data_offsets", "needs 24");
        expect(file(dir, "{\"a\": {\"dtype\": \"F7\", \"shape\": [2], \"data_offsets\": [0, 2]}}", 16), "tensor 'a' dtype", "unsupported safetensors dtype 'F7'");
        expect(file(dir, "{\"a\": {\"dtype\": \"I64\", \"shape\": [2], \"data_offsets\": [0, 16]}}", 16), "unsupported safetensors dtype 'I64'", "at byte");
        expect(file(dir, "[1, 2]", 0), "header JSON", "not a JSON object");
        Files.write(dir.resolve("model.safetensors"), new byte[5]);
        expect(dir.resolve("model.safetensors"), "at byte 0", "5 bytes");
    }

    @Test void folderErrors(@TempDir Path dir) throws Exception {
        Path good = FuzzModels.write(Converter.Target.SAFETENSORS, DType.F32, dir.resolve("m"));
        assertEquals(FuzzModels.TINY.dim(), ModelLoader.open(good, null).config().dim());
        // config says a different vocab than the tensors
        String cfg = Files.readString(good.resolve("config.json"));
        Files.writeString(good.resolve("config.json"), cfg.replace("\"vocab_size\" : 300", "\"vocab_size\" : 320"));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelLoader.open(good, null));
        assertTrue(e.getMessage().contains("tok_embeddings") && e.getMessage().contains(good.toString()), e.getMessage());
        Files.writeString(good.resolve("config.json"), cfg.replace("\"hidden_size\" : 32", "\"hidden_size\" : \"wide\""));
        e = assertThrows(ModelFormatException.class, () -> ModelLoader.open(good, null));
        assertTrue(e.getMessage().contains("hidden_size"), e.getMessage());
        Files.writeString(good.resolve("config.json"), cfg);
        // an index naming a shard that is not there
        Files.writeString(good.resolve("model.safetensors.index.json"), "{\"weight_map\": {\"model.norm.weight\": \"model-00002-of-00002.safetensors\"}}");
        Exception x = assertThrows(Exception.class, () -> ModelLoader.open(good, null));
        assertTrue(x.getMessage().contains("model-00002-of-00002.safetensors"), x.getMessage());
        Files.writeString(good.resolve("model.safetensors.index.json"), "{\"weight_map\": {\"model.norm.weight\": \"../../etc/passwd\"}}");
        e = assertThrows(ModelFormatException.class, () -> ModelLoader.open(good, null));
        assertTrue(e.getMessage().contains("weight_map"), e.getMessage());
    }

    @Test void fuzzHeader(@TempDir Path dir) throws Exception {
        Path good = FuzzModels.write(Converter.Target.SAFETENSORS, DType.F16, dir.resolve("m"));
        Path st = good.resolve("model.safetensors");
        byte[] orig = Files.readAllBytes(st);
        int headerEnd = 8 + (int) ByteBuffer.wrap(orig).order(ByteOrder.LITTLE_ENDIAN).getLong();
        Random rnd = new Random(11);
        int[] outcomes = new int[2];
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            for (int c = 0; c < 2000; c++) {
                byte[] b;
                if (c % 5 == 4) b = Arrays.copyOf(orig, rnd.nextInt(headerEnd + 64));
                else {
                    b = orig.clone();
                    for (int i = 0, n = 1 + rnd.nextInt(4); i < n; i++) {
                        int pos = rnd.nextInt(4) == 0 ? rnd.nextInt(8) : rnd.nextInt(headerEnd);
                        b[pos] = rnd.nextBoolean() ? (byte) rnd.nextInt(256) : (byte) (b[pos] ^ (1 << rnd.nextInt(8)));
                    }
                }
                Files.write(st, b);
                try (Arena a = Arena.ofConfined()) {
                    SafetensorsModel.load(good, a);
                    outcomes[0]++;
                } catch (ModelFormatException e) {
                    outcomes[1]++;
                } catch (Throwable t) {
                    throw new AssertionError("case " + c + ": " + t, t);
                }
            }
        });
        System.out.printf("safetensors header fuzz: %d loaded, %d rejected with ModelFormatException%n", outcomes[0], outcomes[1]);
        assertTrue(outcomes[1] > 1000);
    }
}
