package dev.minerva.cli;

import dev.minerva.backend.Backend;
import dev.minerva.engine.Generator;
import dev.minerva.engine.Sampler;
import dev.minerva.model.Llama;
import dev.minerva.model.LoadedModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

/** {@code minerva generate}: streams a completion of a prompt. */
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

    @Override public Integer call() throws Exception {
        LoadedModel m = model.open();
        if (m.tokenizer() == null) throw new IllegalArgumentException("generate needs a tokenizer: pass --tokenizer");
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (Arena arena = Arena.ofShared(); Backend backend = model.backend()) {
            Llama llama = new Llama(model.planned(m, arena), backend);
            Generator g = new Generator(llama, m.tokenizer());
            Generator.Result r = g.generate(prompt, maxTokens, new Sampler(temperature, topK, topP, minP, seed), s -> { out.print(s); out.flush(); });
            out.println();
            if (stats) {
                System.err.printf("prompt %d tokens, generated %d (%s); TTFT %.1f ms, decode %.2f tokens/s%n",
                        r.promptTokens().length, r.tokens().length, r.stop(), r.prefillNanos() / 1e6,
                        r.tokens().length > 1 ? (r.tokens().length - 1) / (r.decodeNanos() / 1e9) : 0.0);
            }
        }
        return 0;
    }
}
