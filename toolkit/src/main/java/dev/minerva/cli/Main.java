package dev.minerva.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code minerva} command line: one picocli sub-command per verb. */
@Command(name = "minerva", mixinStandardHelpOptions = true, version = "minerva 0.1.0",
        description = "Minerva: a Java lab for LLM-inference research.",
        subcommands = {
                CommandLine.HelpCommand.class,
                ReproduceCommand.class,
                NotebooksCommand.class,
                GenerateCommand.class,
                EvalCommand.class,
                BenchCommand.class,
                GpuCheckCommand.class,
                RooflineCommand.class,
                CalibrateCommand.class,
                ConvertCommand.class,
                SynthCommand.class,
        })
public final class Main implements Runnable {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** Exit code for bad input (malformed files, bad options): distinct from crashes (1) and "no GPU" (3). */
    public static final int EXIT_BAD_INPUT = 2;

    private static boolean isUserError(Exception e) {
        return e instanceof IllegalArgumentException || e instanceof java.io.IOException
                || e instanceof java.io.UncheckedIOException || e instanceof IllegalStateException;
    }

    private static String describe(Exception e) {
        if (e instanceof java.nio.file.NoSuchFileException n) return n.getFile() + ": no such file";
        if (e instanceof java.nio.file.AccessDeniedException a) return a.getFile() + ": permission denied";
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }

    /** The configured command line (also used by tests to run commands in-process). */
    public static CommandLine commandLine() {
        return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler((e, cl, parsed) -> {
                    // asking for a GPU where none answers is a user-facing condition, not a crash
                    if (e instanceof dev.minerva.backend.cuda.CudaUnavailableException) {
                        cl.getErr().println("minerva: " + e.getMessage());
                        return GpuCheckCommand.EXIT_NO_GPU;
                    }
                    // bad input (a malformed model, plan or config, a missing file, a context overflow) is reported
                    // as one line naming file/field/offset, exit 2; MINERVA_DEBUG=1 keeps the stack trace
                    if (isUserError(e) && System.getenv("MINERVA_DEBUG") == null) {
                        cl.getErr().println("minerva " + cl.getCommandName() + ": " + describe(e));
                        return EXIT_BAD_INPUT;
                    }
                    throw e;
                });
    }
}
