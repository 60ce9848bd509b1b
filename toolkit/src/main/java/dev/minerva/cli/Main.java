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

    /** The configured command line (also used by tests to run commands in-process). */
    public static CommandLine commandLine() {
        return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler((e, cl, parsed) -> {
                    // asking for a GPU where none answers is a user-facing condition, not a crash
                    if (e instanceof dev.minerva.backend.cuda.CudaUnavailableException) {
                        cl.getErr().println("minerva: " + e.getMessage());
                        return GpuCheckCommand.EXIT_NO_GPU;
                    }
                    throw e;
                });
    }
}
