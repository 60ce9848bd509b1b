package dev.minerva.model.safetensors;

import dev.minerva.model.FuzzModels;
import dev.minerva.model.LoadedModel;
import dev.minerva.model.ModelLoader;
import dev.minerva.model.OutputTensor;
import dev.minerva.model.Weights;
import dev.minerva.model.convert.ConversionPlan;
import dev.minerva.model.convert.Converter;
import dev.minerva.model.gguf.GgufTensorNames;
import dev.minerva.tensor.DType;
import dev.minerva.tensor.Tensor;
import dev.minerva.tensor.TensorCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class SafetensorsRoundTripTest {

    @Test void namesAndRowOrderAreBijections() {
        for (int i : new int[]{0, 7, 31}) {
            for (String f : new String[]{"rms_att", "rms_ffn", "wq", "wk", "wv", "wo", "w1", "w2", "w3"}) {
                String c = Weights.name(i, f);
                assertEquals(c, HfTensorNames.toCanonical(HfTensorNames.toHf(c)));
                assertEquals(c, GgufTensorNames.toCanonical(GgufTensorNames.toGguf(c)));
            }
        }
        for (String c : new String[]{"tok_embeddings", "rms_final", "wcls"}) {
            assertEquals(c, HfTensorNames.toCanonical(HfTensorNames.toHf(c)));
            assertEquals(c, GgufTensorNames.toCanonical(GgufTensorNames.toGguf(c)));
        }
        assertEquals("model.layers.3.self_attn.q_proj.weight", HfTensorNames.toHf("layers.3.wq"));
        assertEquals("blk.3.ffn_down.weight", GgufTensorNames.toGguf("layers.3.w2"));
        assertNull(HfTensorNames.toCanonical("model.layers.0.self_attn.rotary_emb.inv_freq"));
        for (int hs : new int[]{2, 8, 64, 128}) {
            boolean[] seen = new boolean[4 * hs];
            for (long r = 0; r < 4L * hs; r++) {
                long m = HfRopeOrder.hfRowToMeta(r, hs);
                assertFalse(seen[(int) m]);
                seen[(int) m] = true;
                assertEquals(r, HfRopeOrder.metaRowToHf(m, hs));
            }
        }
        // head size 8: HF rows 0..3 hold the even (first-of-pair) Meta rows, rows 4..7 the odd ones
        assertArrayEquals(new long[]{0, 2, 4, 6, 1, 3, 5, 7}, java.util.stream.LongStream.range(0, 8).map(r -> HfRopeOrder.hfRowToMeta(r, 8)).toArray());
    }

    @Test void quantisedSafetensorsRoundTrip(@TempDir Path dir) throws Exception {
        Path f32 = FuzzModels.write(Converter.Target.SAFETENSORS, DType.F32, dir.resolve("f32"));
        Path q8 = FuzzModels.write(Converter.Target.SAFETENSORS, DType.Q8_0, dir.resolve("q8"));
        LoadedModel a = ModelLoader.open(f32, null), b = ModelLoader.open(q8, null);
        for (Tensor x : a.weights().tensors().values()) {
            Tensor y = b.weights().get(x.name());
            assertEquals(ConversionPlan.dtypeFor(x.name(), x.shape(), DType.Q8_0), y.dtype(), x.name());
            // re-quantising the F32 tensor gives exactly the stored blocks (same codec, q/k rows permuted back)
            try (Arena arena = Arena.ofConfined()) {
                assertArrayEquals(TensorCodec.toFloats(TensorCodec.convert(x, y.dtype(), arena)), TensorCodec.toFloats(y), x.name());
            }
        }
        try (Arena arena = Arena.ofConfined()) {
            SafetensorsFile f = SafetensorsFile.open(q8.resolve("model.safetensors"), arena);
            assertEquals("U8", f.storedDtype("model.layers.0.self_attn.q_proj.weight"));
            assertEquals("Q8_0", f.metadata().get(SafetensorsFile.QUANT_KEY + "model.layers.0.self_attn.q_proj.weight"));
        }
    }

    @Test void shardedCheckpointLoadsLikeSingleFile(@TempDir Path dir) throws Exception {
        Path single = FuzzModels.write(Converter.Target.SAFETENSORS, DType.BF16, dir.resolve("single"));
        Path sharded = dir.resolve("sharded");
        Files.createDirectories(sharded);
        Files.copy(single.resolve("config.json"), sharded.resolve("config.json"));
        Files.copy(single.resolve("tokenizer.json"), sharded.resolve("tokenizer.json"));
        try (Arena arena = Arena.ofConfined()) {
            SafetensorsFile f = SafetensorsFile.open(single.resolve("model.safetensors"), arena);
            List<OutputTensor> one = new ArrayList<>(), two = new ArrayList<>();
            Map<String, String> map = new LinkedHashMap<>();
            int i = 0;
            for (String n : f.names()) {
                Tensor t = f.tensor(n);
                int cols = (int) t.cols();
                OutputTensor o = new OutputTensor(n, t.dtype(), t.shape(), (r, row) -> TensorCodec.decode(t, r * cols, cols, row, 0));
                String shard = i++ % 2 == 0 ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
                (shard.contains("00001") ? one : two).add(o);
                map.put(n, shard);
            }
            SafetensorsWriter.write(sharded.resolve("model-00001-of-00002.safetensors"), one, Map.of(), x -> {});
            SafetensorsWriter.write(sharded.resolve("model-00002-of-00002.safetensors"), two, Map.of(), x -> {});
            StringBuilder idx = new StringBuilder("{\"metadata\": {}, \"weight_map\": {");
            map.forEach((k, v) -> idx.append(idx.charAt(idx.length() - 1) == '{' ? "" : ",").append('"').append(k).append("\": \"").append(v).append('"'));
            Files.writeString(sharded.resolve(SafetensorsCheckpoint.INDEX), idx.append("}}").toString());
        }
        LoadedModel a = ModelLoader.open(single, null), b = ModelLoader.open(sharded, null);
        for (Tensor x : a.weights().tensors().values()) {
            assertArrayEquals(TensorCodec.toFloats(x), TensorCodec.toFloats(b.weights().get(x.name())), x.name());
        }
    }
}
