package dev.minerva.cli;

import dev.minerva.backend.Backend;
import dev.minerva.eval.Perplexity;
import dev.minerva.model.Llama;
import dev.minerva.model.LoadedModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code minerva eval}: model-quality metrics. */
@Command(name = "eval", mixinStandardHelpOptions = true, description = "Evaluate a model.",
        subcommands = EvalCommand.Ppl.class)
public final class EvalCommand implements Runnable {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override public void run() { spec.commandLine().usage(System.out); }

    /** {@code minerva eval ppl}: perplexity of a text file. */
    @Command(name = "ppl", mixinStandardHelpOptions = true, description = "Perplexity of a UTF-8 text file (BOS + text).")
    public static final class Ppl implements Callable<Integer> {
        @Mixin ModelOptions model;

        @Option(names = "--text", required = true, description = "UTF-8 text file")
        Path text;

        @Option(names = "--chunk", defaultValue = "128", description = "tokens per forward call (default ${DEFAULT-VALUE})")
        int chunk;

        @Override public Integer call() throws Exception {
            LoadedModel m = model.open();
            if (m.tokenizer() == null) throw new IllegalArgumentException("eval ppl needs a tokenizer: pass --tokenizer");
            if (!Files.isRegularFile(text)) throw new IllegalArgumentException(text + ": not a regular file");
            int[] ids = m.tokenizer().encode(Files.readString(text), true, false);
            try (Arena arena = Arena.ofShared(); Backend backend = model.backend()) {
                long t0 = System.nanoTime();
                Perplexity.Result r = Perplexity.evaluate(new Llama(model.planned(m, arena), backend), ids, chunk);
                System.out.printf("perplexity %.4f over %d tokens (%.4f bits/token, %.1f s)%n", r.perplexity(), r.tokens(),
                        r.bitsPerToken(), (System.nanoTime() - t0) / 1e9);
            }
            return 0;
        }
    }
}
