package dev.minerva.cli;

import dev.minerva.backend.cuda.CudaBackend;
import dev.minerva.backend.cuda.CudaRuntime;
import dev.minerva.backend.cuda.GpuCheck;
import dev.minerva.record.GitState;
import dev.minerva.record.Locations;
import dev.minerva.record.Run;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code minerva gpu-check}: CUDA conformance against the CPU, micro-benchmarks and end-to-end decode
 * speed, printed as a table and recorded under {@code datasets/results/gpu-check/<run-id>/}.
 * Exit codes: 0 all conformance checks pass; 1 a check failed; 3 no usable GPU (reason printed).
 * {@code $MINERVA_GIT_COMMIT} (set by the GPU session script, where the tree travels without .git) is recorded in the config.
 */
@Command(name = "gpu-check", mixinStandardHelpOptions = true,
        description = "Check every CUDA op against the CPU backend, benchmark the kernels and record the run.")
public final class GpuCheckCommand implements Callable<Integer> {
    /** Exit code when there is no usable GPU (distinct from failures and usage errors). */
    public static final int EXIT_NO_GPU = 3;

    @Option(names = "--seed", defaultValue = "1234", description = "random inputs (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--repeats", defaultValue = "20", description = "timed repetitions per benchmark, median reported (default ${DEFAULT-VALUE})")
    int repeats;

    @Option(names = "--quick", description = "conformance only: no benchmarks, no end-to-end")
    boolean quick;

    @Option(names = "--no-e2e", description = "skip the end-to-end TinyLlama-shape decode")
    boolean noE2e;

    @Option(names = "--time-limit", defaultValue = "0", paramLabel = "SECONDS",
            description = "after this many seconds skip what is left (one info row each) and record the run (0: no limit)")
    int timeLimitS;

    @Option(names = "--stories", description = "folder with stories260K.bin + tok512.bin (default: <root>/../shared/models/stories260K)")
    Path stories;

    @Option(names = "--out", description = "output root for datasets/results (default: $MINERVA_OUT or the repository root)")
    Path out;

    /**
     * Runs gpu-check alone, without the other sub-commands on the class path: the slim runtime that
     * {@code toolkit/scripts/gpu/session.sh} carries to a GPU machine starts here.
     */
    public static void main(String[] args) {
        System.exit(new picocli.CommandLine(new GpuCheckCommand()).execute(args));
    }

    @Override public Integer call() throws Exception {
        if (timeLimitS < 0) throw new IllegalArgumentException("--time-limit must be >= 0 seconds (0: no limit), got " + timeLimitS);
        if (!CudaRuntime.available()) {
            System.err.println("gpu-check: no usable GPU: " + CudaRuntime.reason());
            return EXIT_NO_GPU;
        }
        Path storiesDir = stories != null ? stories : Locations.root().resolve("../shared/models/stories260K").normalize();
        GpuCheck.Config cfg = new GpuCheck.Config(seed, Math.max(1, repeats), !quick, !quick && !noE2e, storiesDir,
                System.getenv("MINERVA_GIT_COMMIT"), timeLimitS);
        Run run = Run.begin("gpu-check", cfg, seed, "cuda", null, Locations.root());
        if (cfg.sourceCommit() != null && !cfg.sourceCommit().isBlank()) run = run.withGit(new GitState(cfg.sourceCommit(), false));
        List<GpuCheck.Row> rows;
        String device;
        try (CudaBackend gpu = CudaBackend.open()) {
            device = gpu.context().info().toString();
            System.out.println("gpu-check on " + device);
            rows = new GpuCheck(cfg, gpu, System.out).run();
        }
        long failures = rows.stream().filter(r -> r.status().equals("FAIL")).count();
        System.out.println();
        System.out.print(GpuCheckReport.table(rows));
        Path dir = GpuCheckReport.record(out != null ? out : Locations.out(), run, rows, device);
        System.out.println("recorded " + dir + "; " + failures + " failure(s)");
        return failures == 0 ? 0 : 1;
    }
}
