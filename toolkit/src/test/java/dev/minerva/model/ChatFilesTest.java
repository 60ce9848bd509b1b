package dev.minerva.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.minerva.model.convert.Converter;
import dev.minerva.model.gguf.GgufFile;
import dev.minerva.model.gguf.GgufValue;
import dev.minerva.model.gguf.GgufWriter;
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

/** The chat template and the extra end-of-generation ids a model's files declare, read by every loader. */
class ChatFilesTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String TEMPLATE = "{% for m in messages %}{{ '<|user|>\\n' + m['content'] + eos_token }}{% endfor %}";

    @TempDir Path dir;

    Path folder() throws Exception {
        return FuzzModels.write(Converter.Target.SAFETENSORS, DType.F32, dir.resolve("hf"));
    }

    static void edit(Path json, java.util.function.Consumer<ObjectNode> change) throws Exception {
        ObjectNode n = Files.isRegularFile(json) ? (ObjectNode) JSON.readTree(json.toFile()) : JSON.createObjectNode();
        change.accept(n);
        JSON.writeValue(json.toFile(), n);
    }

    @Test void huggingFaceFolderWithoutAnyGivesEosOnly() throws Exception {
        LoadedModel m = ModelLoader.open(folder(), null);
        assertNull(m.chatTemplate());
        assertArrayEquals(new int[]{m.tokenizer().eos()}, m.stopTokens());
    }

    @Test void huggingFaceTemplateAndEosLists() throws Exception {
        Path f = folder();
        edit(f.resolve("tokenizer_config.json"), n -> n.put("chat_template", TEMPLATE));
        edit(f.resolve("config.json"), n -> n.putArray("eos_token_id").add(2).add(5));
        edit(f.resolve("generation_config.json"), n -> n.put("eos_token_id", 7));
        LoadedModel m = ModelLoader.open(f, null);
        assertEquals(TEMPLATE, m.chatTemplate());
        assertEquals(2, m.tokenizer().eos());
        assertArrayEquals(new int[]{2, 5, 7}, m.stopTokens(), "EOS first, each id once");
        assertArrayEquals(new int[]{2, 5, 7}, m.withTokenizer(m.tokenizer()).stopTokens(), "kept with another tokenizer");
    }

    @Test void namedTemplatesAndTheJinjaFile() throws Exception {
        Path f = folder();
        edit(f.resolve("tokenizer_config.json"), n -> {
            var a = n.putArray("chat_template");
            a.addObject().put("name", "tool_use").put("template", "tools");
            a.addObject().put("name", "default").put("template", TEMPLATE);
        });
        assertEquals(TEMPLATE, ModelLoader.open(f, null).chatTemplate(), "the template named default");
        Files.writeString(f.resolve("chat_template.jinja"), "from the jinja file");
        assertEquals("from the jinja file", ModelLoader.open(f, null).chatTemplate(), "chat_template.jinja wins");
        Files.write(f.resolve("chat_template.jinja"), new byte[]{'{', (byte) 0xC3, '}'});
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelLoader.open(f, null));
        assertTrue(e.getMessage().contains("chat_template.jinja") && e.getMessage().contains("not UTF-8"), e.getMessage());
    }

    @Test void badEntriesNameFileAndField() throws Exception {
        Path f = folder();
        edit(f.resolve("generation_config.json"), n -> n.putArray("eos_token_id").add(2).add("x"));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelLoader.open(f, null));
        assertTrue(e.getMessage().contains("generation_config.json") && e.getMessage().contains("eos_token_id[1]"), e.getMessage());
        edit(f.resolve("generation_config.json"), n -> n.put("eos_token_id", FuzzModels.TINY.vocabSize()));
        e = assertThrows(ModelFormatException.class, () -> ModelLoader.open(f, null));
        assertTrue(e.getMessage().contains("not a token id below the vocab size 300"), e.getMessage());
        Files.delete(f.resolve("generation_config.json"));
        edit(f.resolve("tokenizer_config.json"), n -> n.put("chat_template", 3));
        e = assertThrows(ModelFormatException.class, () -> ModelLoader.open(f, null));
        assertTrue(e.getMessage().contains("tokenizer_config.json") && e.getMessage().contains("chat_template"), e.getMessage());
    }

    @Test void ggufTemplateAndEndOfTurnIds() throws Exception {
        Path plain = FuzzModels.write(Converter.Target.GGUF, DType.F32, dir.resolve("plain.gguf"));
        LoadedModel m0 = ModelLoader.open(plain, null);
        assertNull(m0.chatTemplate());
        assertArrayEquals(new int[]{m0.tokenizer().eos()}, m0.stopTokens());

        Path chat = withMetadata(plain, dir.resolve("chat.gguf"), Map.of(
                "tokenizer.chat_template", GgufValue.string(TEMPLATE),
                "tokenizer.ggml.eot_token_id", GgufValue.u32(9)));
        LoadedModel m = ModelLoader.open(chat, null);
        assertEquals(TEMPLATE, m.chatTemplate());
        assertArrayEquals(new int[]{m.tokenizer().eos(), 9}, m.stopTokens());

        Path bad = withMetadata(plain, dir.resolve("bad.gguf"), Map.of("tokenizer.ggml.eom_token_id", GgufValue.u32(300)));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelLoader.open(bad, null));
        assertTrue(e.getMessage().contains("tokenizer.ggml.eom_token_id") && e.getMessage().contains("bad.gguf"), e.getMessage());
    }

    /**
     * {@code minerva convert} carries the template and the end tokens: GGUF → HF folder → GGUF. The last GGUF has no
     * tokenizer (a tokenizer.json vocabulary is not carried), so its stop tokens are the two end tokens alone.
     */
    @Test void conversionCarriesThem() throws Exception {
        Path plain = FuzzModels.write(Converter.Target.GGUF, DType.F32, dir.resolve("plain.gguf"));
        Path gguf = withMetadata(plain, dir.resolve("chat.gguf"), Map.of(
                "tokenizer.chat_template", GgufValue.string(TEMPLATE),
                "tokenizer.ggml.eot_token_id", GgufValue.u32(5), "tokenizer.ggml.eom_token_id", GgufValue.u32(7)));
        assertArrayEquals(new int[]{2, 5, 7}, ModelLoader.open(gguf, null).stopTokens());

        Path hf = dir.resolve("hf-out");
        Converter.convert(gguf, null, Converter.Target.SAFETENSORS, DType.F32, hf, b -> {});
        LoadedModel h = ModelLoader.open(hf, null);
        assertEquals(TEMPLATE, h.chatTemplate());
        assertArrayEquals(new int[]{2, 5, 7}, h.stopTokens());
        assertTrue(Files.isRegularFile(hf.resolve("chat_template.jinja")));

        Path again = dir.resolve("again.gguf");
        Converter.convert(hf, null, Converter.Target.GGUF, DType.Q8_0, again, b -> {});
        LoadedModel g = ModelLoader.open(again, null);
        assertNull(g.tokenizer());
        assertEquals(TEMPLATE, g.chatTemplate());
        assertArrayEquals(new int[]{5, 7}, g.stopTokens());
    }

    /** {@code src} rewritten with {@code extra} metadata added (F32 tensors copied row by row). */
    static Path withMetadata(Path src, Path out, Map<String, GgufValue> extra) throws Exception {
        try (Arena a = Arena.ofConfined()) {
            GgufFile g = GgufFile.open(src, a);
            Map<String, GgufValue> meta = new LinkedHashMap<>(g.metadata());
            meta.putAll(extra);
            List<OutputTensor> tensors = new ArrayList<>();
            for (String name : g.tensorInfos().keySet()) {
                Tensor t = g.tensor(name);
                tensors.add(new OutputTensor(name, DType.F32, t.shape(), (r, row) -> TensorCodec.decode(t, r * t.cols(), row.length, row, 0)));
            }
            GgufWriter.write(out, meta, tensors, b -> {});
        }
        return out;
    }
}
