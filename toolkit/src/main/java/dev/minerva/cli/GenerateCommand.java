package dev.minerva.cli;

import dev.minerva.backend.Backend;
import dev.minerva.backend.cuda.CudaBackend;
import dev.minerva.backend.cuda.CudaDecoder;
import dev.minerva.backend.cuda.CudaGeneration;
import dev.minerva.engine.Generator;
import dev.minerva.engine.Sampler;
import dev.minerva.model.Llama;
import dev.minerva.model.LoadedModel;
import dev.minerva.model.Weights;
import dev.minerva.model.tokenizer.ChatFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

/**
 * {@code minerva generate}: streams a completion of a prompt. On the CUDA backend the decode runs as
 * {@link CudaGeneration} (one CUDA graph replay per token, sampling on the device) when the model's head size suits
 * the decoder; {@code -Dminerva.cuda.generate=ops} runs the backend's ops one by one instead, as on the CPU
 * ({@link CudaGeneration.Path}).
 */
@Command(name = "generate", mixinStandardHelpOptions = true, description = "Generate text from a prompt (streams to stdout).")
public final class GenerateCommand implements Callable<Integer> {
    @Mixin ModelOptions model;

    @Option(names = "--prompt", defaultValue = "", description = "prompt text (default: empty, i.e. start from BOS)")
    String prompt;

    @Option(names = "--max-tokens", defaultValue = "256", description = "tokens to generate (default ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--temperature", defaultValue = "0", description = "0 = greedy (default)")
    float temperature;

    @Option(names = "--top-k", defaultValue = "0", description = "keep the k most likely tokens (0 = off)")
    int topK;

    @Option(names = "--top-p", defaultValue = "1", description = "nucleus sampling mass (1 = off)")
    float topP;

    @Option(names = "--min-p", defaultValue = "0", description = "drop tokens below min-p x the top probability (0 = off)")
    float minP;

    @Option(names = "--seed", defaultValue = "42", description = "sampling seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--stats", description = "print speed to stderr at the end")
    boolean stats;

    @Option(names = "--chat", description = "wrap the prompt as one user turn in the model's chat format, and stop at the end of the reply")
    boolean chat;

    @Option(names = "--chat-format", defaultValue = "auto",
            description = "with --chat: auto (recognised from the model's chat template) or one of llama3, chatml, zephyr, llama2, mistral")
    String chatFormat;

    @Option(names = "--system", description = "with --chat: a system message before the user turn")
    String system;

    @Override public Integer call() throws Exception {
        if (!chat && (system != null || !chatFormat.equalsIgnoreCase("auto"))) throw new IllegalArgumentException("--system and --chat-format need --chat");
        LoadedModel m = model.open();
        if (m.tokenizer() == null) throw new IllegalArgumentException("generate needs a tokenizer: pass --tokenizer");
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (Arena arena = Arena.ofShared(); Backend backend = model.backend()) {
            Weights weights = model.planned(m, arena);
            Sampler sampler = new Sampler(temperature, topK, topP, minP, seed);
            ChatFormat format = chat ? chatFormat(m) : null;
            int[] ids = m.tokenizer().encode(format == null ? prompt : format.render(system, prompt), true, false);
            int[] stops = stopTokens(m, format);
            Generator.Result r;
            String path;
            if (CudaGeneration.runs(backend, weights.config())) {
                path = "cuda decoder (graph step, device sampling" + (CudaDecoder.Sampling.of(sampler) == null ? " off: min-p on the host" : "") + ")";
                // the room Generator asks for (at least one position: max-tokens 0 opens nothing, but the decoder needs some)
                int room = Generator.room(weights.config(), ids.length, Math.max(1, maxTokens));
                try (CudaGeneration dev = new CudaGeneration((CudaBackend) backend, weights, room)) {
                    r = new Generator(weights.config(), dev, m.tokenizer()).stoppingAt(stops).generate(ids, maxTokens, sampler, s -> { out.print(s); out.flush(); });
                }
            } else {
                path = backend.name() + " backend ops";
                r = new Generator(new Llama(weights, backend), m.tokenizer()).stoppingAt(stops).generate(ids, maxTokens, sampler, s -> { out.print(s); out.flush(); });
            }
            out.println();
            if (stats) {
                System.err.printf("prompt %d tokens, generated %d (%s); TTFT %.1f ms, decode %.2f tokens/s; %s%n",
                        r.promptTokens().length, r.tokens().length, r.stop(), r.prefillNanos() / 1e6,
                        r.tokens().length > 1 ? (r.tokens().length - 1) / (r.decodeNanos() / 1e9) : 0.0, path);
            }
        }
        return 0;
    }

    /** The chat format asked for, or recognised from the model's template. */
    private ChatFormat chatFormat(LoadedModel m) {
        if (!chatFormat.equalsIgnoreCase("auto")) return ChatFormat.named(chatFormat);
        if (m.chatTemplate() == null) {
            throw new IllegalArgumentException(m.source() + " carries no chat template (tokenizer_config.json 'chat_template', GGUF 'tokenizer.chat_template'); "
                    + "pass --chat-format " + ChatFormat.names().replace(", ", "|"));
        }
        return ChatFormat.detect(m.chatTemplate());
    }

    /** The model's stop tokens, and in chat the format's end of turn when the vocabulary has it as one token. */
    static int[] stopTokens(LoadedModel m, ChatFormat format) {
        int[] stops = m.stopTokens();
        if (format == null) return stops;
        int[] eot = m.tokenizer().encode(format.endOfTurn(), false, false);
        if (eot.length != 1 || java.util.Arrays.stream(stops).anyMatch(id -> id == eot[0])) return stops;
        int[] more = java.util.Arrays.copyOf(stops, stops.length + 1);
        more[stops.length] = eot[0];
        return more;
    }
}
