package dev.minerva.model.tokenizer;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** Chat formats: recognised from the markers of each family's template, rendered to the exact prompt text. */
class ChatFormatTest {

    // Shortened templates in each family's style: only the markers matter to detect()
    static final String LLAMA3_T = "{{ bos_token }}{% for m in messages %}{{ '<|start_header_id|>' + m['role'] + '<|end_header_id|>\\n\\n'"
            + " + m['content'] | trim + '<|eot_id|>' }}{% endfor %}";
    static final String CHATML_T = "{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' }}{% endfor %}";
    static final String ZEPHYR_T = "{% for m in messages %}{% if m['role'] == 'user' %}{{ '<|user|>\\n' + m['content'] + eos_token }}{% endif %}{% endfor %}";
    static final String LLAMA2_T = "{% if m['role'] == 'system' %}{{ '<<SYS>>\\n' + m['content'] + '\\n<</SYS>>\\n\\n' }}{% endif %}{{ '[INST] ' }}";
    static final String MISTRAL_T = "{{ bos_token }}{% for m in messages %}{{ '[INST] ' + m['content'] + ' [/INST]' }}{% endfor %}";

    @Test void recognisesEachFamily() {
        assertEquals(ChatFormat.LLAMA3, ChatFormat.detect(LLAMA3_T));
        assertEquals(ChatFormat.CHATML, ChatFormat.detect(CHATML_T));
        assertEquals(ChatFormat.ZEPHYR, ChatFormat.detect(ZEPHYR_T));
        assertEquals(ChatFormat.LLAMA2, ChatFormat.detect(LLAMA2_T));
        assertEquals(ChatFormat.MISTRAL, ChatFormat.detect(MISTRAL_T));
    }

    @Test void unknownTemplateSaysWhatToDo() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ChatFormat.detect("{{ 'User: ' + m }}\nAssistant:"));
        assertTrue(e.getMessage().contains("--chat-format"), e.getMessage());
        assertTrue(e.getMessage().contains("User: ' + m }}\\nAssistant:"), "quotes the template, newlines escaped: " + e.getMessage());
        assertTrue(e.getMessage().contains("llama3, chatml, zephyr, llama2, mistral"), e.getMessage());
    }

    @Test void rendersOneUserTurnUpToTheReply() {
        assertEquals("<|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
                        + "<|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
                ChatFormat.LLAMA3.render(" Be brief.\n", "Hi there "));
        assertEquals("<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
                ChatFormat.LLAMA3.render(null, "Hi"));
        assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
                ChatFormat.CHATML.render("Be brief.", "Hi"));
        assertEquals("<|system|>\nBe brief.</s>\n<|user|>\nHi</s>\n<|assistant|>\n", ChatFormat.ZEPHYR.render("Be brief.", "Hi"));
        assertEquals("<|user|>\nHi</s>\n<|assistant|>\n", ChatFormat.ZEPHYR.render(null, "Hi"));
        assertEquals("[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST]", ChatFormat.LLAMA2.render("Be brief.", " Hi "));
        assertEquals("[INST] Hi [/INST]", ChatFormat.LLAMA2.render(null, "Hi"));
        assertEquals("[INST] Be brief.\n\nHi [/INST]", ChatFormat.MISTRAL.render("Be brief.", "Hi"));
    }

    @Test void endOfTurnAndNames() {
        assertEquals("<|eot_id|>", ChatFormat.LLAMA3.endOfTurn());
        assertEquals("<|im_end|>", ChatFormat.CHATML.endOfTurn());
        assertEquals("</s>", ChatFormat.ZEPHYR.endOfTurn());
        assertEquals(ChatFormat.CHATML, ChatFormat.named("ChatML"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ChatFormat.named("alpaca"));
        assertTrue(e.getMessage().contains("alpaca") && e.getMessage().contains("zephyr"), e.getMessage());
    }
}
