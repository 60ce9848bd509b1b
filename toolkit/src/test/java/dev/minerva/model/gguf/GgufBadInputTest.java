package dev.minerva.model.gguf;

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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** Malformed GGUF files give a {@link ModelFormatException} naming file, field and offset; never OOM, AIOOBE or a hang. */
class GgufBadInputTest {

    private static ModelFormatException fails(Path f) {
        return assertThrows(ModelFormatException.class, () -> { try (Arena a = Arena.ofConfined()) { GgufModel.load(f, a); } });
    }

    private static void expect(Path f, String... parts) {
        ModelFormatException e = fails(f);
        for (String p : parts) assertTrue(e.getMessage().contains(p), "message '" + e.getMessage() + "' lacks '" + p + "'");
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
    }

    private static byte[] header(long nTensors, long nKv) {
        return ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putInt(GgufFile.MAGIC).putInt(3).putLong(nTensors).putLong(nKv).array();
    }

    @Test void headerErrors(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.gguf");
        Files.write(f, new byte[0]);
        expect(f, "GGUF header", "at byte 0", "0 bytes");
        byte[] h = header(0, 0);
        h[0] = 'X';
        Files.write(f, h);
        expect(f, "magic", "at byte 0");
        h = header(0, 0);
        h[4] = 9;
        Files.write(f, h);
        expect(f, "version", "at byte 4", "9");
        Files.write(f, header(Long.MAX_VALUE, 0));
        expect(f, "tensor_count", "at byte 8");
        Files.write(f, header(0, -1));
        expect(f, "metadata_kv_count", "at byte 16");
    }

    @Test void metadataErrors(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.gguf");
        // a key whose string length is far beyond the file
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN).put(header(0, 1)).putLong(1L << 40);
        Files.write(f, b.array());
        expect(f, "metadata key 0 length", "at byte 24");
        // an array claiming 2^31 int32 elements in a 60-byte file
        b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN).put(header(0, 1)).putLong(1).put((byte) 'k')
                .putInt(GgufType.ARRAY.id()).putInt(GgufType.INT32.id()).putLong(1L << 31);
        Files.write(f, Arrays.copyOf(b.array(), b.position()));
        expect(f, "metadata 'k' count", "cannot fit");
        // unknown value type
        b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN).put(header(0, 1)).putLong(1).put((byte) 'k').putInt(77);
        Files.write(f, Arrays.copyOf(b.array(), b.position()));
        expect(f, "metadata 'k' type", "at byte 33", "unknown value type 77");
    }

    private static Path withTensor(Path dir, long[] dims, int type, long offset, int dataBytes) throws Exception {
        Map<String, GgufValue> meta = new LinkedHashMap<>();
        meta.put("general.architecture", GgufValue.string("llama"));
        ByteBuffer b = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN).put(header(1, 1));
        byte[] k = "general.architecture".getBytes();
        b.putLong(k.length).put(k).putInt(GgufType.STRING.id()).putLong(5).put("llama".getBytes());
        byte[] n = "token_embd.weight".getBytes();
        b.putLong(n.length).put(n).putInt(dims.length);
        for (long d : dims) b.putLong(d);
        b.putInt(type).putLong(offset);
        while (b.position() % 32 != 0) b.put((byte) 0);
        b.position(b.position() + dataBytes);
        Path f = dir.resolve("t.gguf");
        Files.write(f, Arrays.copyOf(b.array(), b.position()));
        return f;
    }

    @Test void tensorInfoErrors(@TempDir Path dir) throws Exception {
        expect(withTensor(dir, new long[]{-4, 2}, 0, 0, 64), "tensor 'token_embd.weight' dim 0", "negative or huge");
        expect(withTensor(dir, new long[]{1L << 40, 1L << 40}, 0, 0, 64), "tensor 'token_embd.weight'", "overflow");
        expect(withTensor(dir, new long[]{8, 2, 1, 1, 1, 1, 1}, 0, 0, 64), "n_dims", "is 7");
        expect(withTensor(dir, new long[]{8, 4}, 0, 0, 64), "tensor 'token_embd.weight' offset", "beyond the end of the file");
        expect(withTensor(dir, new long[]{8, 2}, 0, 5, 64), "offset", "not a multiple of the alignment 32");
        expect(withTensor(dir, new long[]{30, 2}, 8, 0, 128), "dim 0", "not a multiple of the 32-element block");
        // Q4_K (12): extent is validated, then reported as unsupported with offset
        Path f = withTensor(dir, new long[]{256, 1}, 12, 0, 144);
        try (Arena a = Arena.ofConfined()) {
            GgufFile g = GgufFile.open(f, a);
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> g.tensor("token_embd.weight"));
            assertTrue(e.getMessage().contains("unsupported ggml type 12 for tensor token_embd.weight at offset " + g.dataStart()), e.getMessage());
        }
    }

    @Test void vocabAndConfigMismatch(@TempDir Path dir) throws Exception {
        Path good = FuzzModels.write(Converter.Target.GGUF, DType.F32, dir.resolve("good.gguf"));
        try (Arena a = Arena.ofConfined()) {
            GgufFile g = GgufFile.open(good, a);
            // rewrite with llama.vocab_size = 301 while token_embd has 300 rows
            Map<String, GgufValue> meta = new LinkedHashMap<>(g.metadata());
            meta.put("llama.vocab_size", GgufValue.u32(301));
            Path bad = dir.resolve("vocab.gguf");
            rewrite(g, meta, bad);
            expect(bad, "tensors vs metadata", "tok_embeddings");
            meta = new LinkedHashMap<>(g.metadata());
            meta.put("llama.embedding_length", GgufValue.u32(48));
            meta.put("llama.rope.dimension_count", GgufValue.u32(12));
            rewrite(g, meta, bad);
            expect(bad, "tensors vs metadata");
            meta = new LinkedHashMap<>(g.metadata());
            meta.put("tokenizer.ggml.scores", GgufValue.floats(new float[5]));
            rewrite(g, meta, bad);
            expect(bad, "tokenizer.ggml.scores", "5 entries for 300 tokens");
        }
    }

    static void rewrite(GgufFile g, Map<String, GgufValue> meta, Path out) throws Exception {
        List<dev.minerva.model.OutputTensor> ts = new java.util.ArrayList<>();
        for (String n : g.tensorInfos().keySet()) {
            var t = g.tensor(n);
            int cols = (int) t.cols();
            ts.add(new dev.minerva.model.OutputTensor(n, t.dtype(), t.shape(), (r, row) -> dev.minerva.tensor.TensorCodec.decode(t, r * cols, cols, row, 0)));
        }
        GgufWriter.write(out, meta, ts, x -> {});
    }

    @Test void directoryAndDevNullAsModel(@TempDir Path dir) {
        Exception e = assertThrows(Exception.class, () -> ModelLoader.open(dir, null));
        assertTrue(e.getMessage().contains(dir.toString()) && e.getMessage().contains("directory"), e.getMessage());
        e = assertThrows(Exception.class, () -> ModelLoader.open(Path.of("/dev/null"), null));
        assertTrue(e.getMessage().contains("/dev/null"), e.getMessage());
        e = assertThrows(Exception.class, () -> { try (Arena a = Arena.ofConfined()) { GgufFile.open(Path.of("/dev/null"), a); } });
        assertTrue(e.getMessage().contains("/dev/null"), e.getMessage());
    }

    /** Random byte flips and truncations of a valid file's header (fixed seed): every outcome is a load or a ModelFormatException. */
    @Test void fuzzHeader(@TempDir Path dir) throws Exception {
        Path good = FuzzModels.write(Converter.Target.GGUF, DType.Q8_0, dir.resolve("good.gguf"));
        byte[] orig = Files.readAllBytes(good);
        long headerEnd;
        try (Arena a = Arena.ofConfined()) { headerEnd = GgufFile.open(good, a).dataStart(); }
        Random rnd = new Random(20261122);
        Path f = dir.resolve("fuzz.gguf");
        int[] outcomes = new int[2];
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            for (int c = 0; c < 3000; c++) {
                byte[] b;
                if (c % 5 == 4) {
                    b = Arrays.copyOf(orig, rnd.nextInt((int) headerEnd + 64));
                } else {
                    b = orig.clone();
                    int flips = 1 + rnd.nextInt(4);
                    for (int i = 0; i < flips; i++) {
                        // bias towards the fixed header, counts and lengths, where damage is most dangerous
                        int pos = rnd.nextInt(4) == 0 ? rnd.nextInt(64) : rnd.nextInt((int) headerEnd);
                        b[pos] = rnd.nextBoolean() ? (byte) rnd.nextInt(256) : (byte) (b[pos] ^ (1 << rnd.nextInt(8)));
                    }
                }
                Files.write(f, b);
                try (Arena a = Arena.ofConfined()) {
                    GgufModel.load(f, a);
                    outcomes[0]++;
                } catch (ModelFormatException e) {
                    assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
                    outcomes[1]++;
                } catch (Throwable t) {
                    throw new AssertionError("case " + c + ": " + t, t);
                }
            }
        });
        System.out.printf("GGUF header fuzz: %d loaded, %d rejected with ModelFormatException%n", outcomes[0], outcomes[1]);
        assertTrue(outcomes[1] > 1000);
    }
}
