package dev.minerva.model.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.minerva.model.ChatSpec;
import dev.minerva.model.ModelFormatException;
import dev.minerva.model.tokenizer.TokenizerJson;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * What a Hugging Face model folder says about chatting: its chat template, and the ids that end a generation
 * besides the tokenizer's EOS. Instruct models list several ({@code eos_token_id} as an array in
 * {@code config.json} or {@code generation_config.json}); a generation that stopped only at EOS would run past
 * the end of its turn.
 */
final class HfChatFiles {
    private HfChatFiles() {}

    /**
     * The template from {@code chat_template.jinja}, {@code chat_template.json} or {@code tokenizer_config.json}'s
     * {@code chat_template} (a string, or a list of named templates of which {@code default} or else the first
     * is taken), in that order; {@code null} if there is none.
     */
    static String chatTemplate(Path dir) throws IOException {
        Path jinja = dir.resolve("chat_template.jinja");
        if (Files.isRegularFile(jinja)) {
            try {
                return Files.readString(jinja, StandardCharsets.UTF_8);
            } catch (java.nio.charset.CharacterCodingException e) {
                throw new ModelFormatException(jinja, "chat template", -1, "is not UTF-8 text", e);
            }
        }
        for (String name : new String[]{"chat_template.json", "tokenizer_config.json"}) {
            Path f = dir.resolve(name);
            if (!Files.isRegularFile(f)) continue;
            JsonNode t = TokenizerJson.parse(f).path("chat_template");
            if (t.isMissingNode() || t.isNull()) continue;
            if (t.isTextual()) return t.asText();
            if (t.isArray() && !t.isEmpty()) {
                JsonNode pick = t.get(0);
                for (JsonNode e : t) if ("default".equals(e.path("name").asText())) pick = e;
                if (pick.path("template").isTextual()) return pick.get("template").asText();
            }
            throw new ModelFormatException(f, "chat_template", -1, "is neither a string nor a list of {name, template}");
        }
        return null;
    }

    /** The ids of {@code eos_token_id} (one id or a list) in {@code config.json} and {@code generation_config.json}. */
    static int[] endTokens(Path dir, int vocabSize) throws IOException {
        Set<Integer> ids = new LinkedHashSet<>();
        for (String name : new String[]{"config.json", "generation_config.json"}) {
            Path f = dir.resolve(name);
            if (!Files.isRegularFile(f)) continue;
            JsonNode e = TokenizerJson.parse(f).path("eos_token_id");
            if (e.isMissingNode() || e.isNull()) continue;
            if (e.isArray()) for (int i = 0; i < e.size(); i++) ids.add(id(f, "eos_token_id[" + i + "]", e.get(i), vocabSize));
            else ids.add(id(f, "eos_token_id", e, vocabSize));
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Writes {@code chat} into the folder {@code dir}: the template as {@code chat_template.jinja} (read first by
     * {@link #chatTemplate}), the end tokens as {@code generation_config.json}'s {@code eos_token_id} list after
     * {@code eos} (if {@code eos >= 0}), as Hugging Face lists them. Nothing for {@link ChatSpec#NONE}.
     */
    static void write(Path dir, ChatSpec chat, int eos) throws IOException {
        if (chat.template() != null) Files.writeString(dir.resolve("chat_template.jinja"), chat.template(), StandardCharsets.UTF_8);
        int[] ends = chat.endTokens();
        if (ends.length == 0) return;
        ObjectNode g = JSON.createObjectNode();
        ArrayNode ids = g.putArray("eos_token_id");
        if (eos >= 0) ids.add(eos);
        for (int id : ends) if (id != eos) ids.add(id);
        JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("generation_config.json").toFile(), g);
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private static int id(Path f, String field, JsonNode n, int vocabSize) throws ModelFormatException {
        if (!n.canConvertToInt() || !n.isIntegralNumber() || n.asInt() < 0 || n.asInt() >= vocabSize) {
            throw new ModelFormatException(f, field, -1, "is " + n + ", not a token id below the vocab size " + vocabSize);
        }
        return n.asInt();
    }
}
