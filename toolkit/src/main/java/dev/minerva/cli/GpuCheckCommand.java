package dev.minerva.cli;

import dev.minerva.backend.cuda.CudaBackend;
import dev.minerva.backend.cuda.CudaRuntime;
import dev.minerva.backend.cuda.GpuCheck;
import dev.minerva.record.Locations;
import dev.minerva.record.RecordedRun;
import dev.minerva.record.RunRecorder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code minerva gpu-check}: CUDA conformance against the CPU, micro-benchmarks and end-to-end decode
 * speed, printed as a table and recorded under {@code datasets/results/gpu-check/<run-id>/}.
 * Exit codes: 0 all conformance checks pass; 1 a check failed; 3 no usable GPU (reason printed).
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

    @Option(names = "--stories", description = "folder with stories260K.bin + tok512.bin (default: <root>/../shared/models/stories260K)")
    Path stories;

    @Option(names = "--out", description = "output root for datasets/results (default: $MINERVA_OUT or the repository root)")
    Path out;

    @Override public Integer call() throws Exception {
        if (!CudaRuntime.available()) {
            System.err.println("gpu-check: no usable GPU: " + CudaRuntime.reason());
            return EXIT_NO_GPU;
        }
        Path storiesDir = stories != null ? stories : Locations.root().resolve("../shared/models/stories260K").normalize();
        GpuCheck.Config cfg = new GpuCheck.Config(seed, Math.max(1, repeats), !quick, !quick && !noE2e, storiesDir);
        List<GpuCheck.Row> rows;
        String device;
        try (CudaBackend gpu = CudaBackend.open()) {
            device = gpu.context().info().toString();
            System.out.println("gpu-check on " + device);
            rows = new GpuCheck(cfg, gpu, System.out).run();
        }
        Table t = Table.create("gpu-check",
                StringColumn.create("section", rows.stream().map(GpuCheck.Row::section).toList()),
                StringColumn.create("name", rows.stream().map(GpuCheck.Row::name).toList()),
                StringColumn.create("dtype", rows.stream().map(GpuCheck.Row::dtype).toList()),
                StringColumn.create("shape", rows.stream().map(GpuCheck.Row::shape).toList()),
                DoubleColumn.create("value", rows.stream().mapToDouble(GpuCheck.Row::value).toArray()),
                StringColumn.create("unit", rows.stream().map(GpuCheck.Row::unit).toList()),
                DoubleColumn.create("limit", rows.stream().mapToDouble(GpuCheck.Row::limit).toArray()),
                StringColumn.create("status", rows.stream().map(GpuCheck.Row::status).toList()),
                StringColumn.create("detail", rows.stream().map(r -> r.detail() == null ? "" : r.detail()).toList()),
                StringColumn.create("device", rows.stream().map(r -> device).toList()));
        long failures = rows.stream().filter(r -> r.status().equals("FAIL")).count();
        System.out.println();
        System.out.println(t.printAll());
        RecordedRun run = RunRecorder.begin(out != null ? out : Locations.out(), "gpu-check", cfg, seed, "cuda", null).results(t).commit();
        System.out.println("recorded " + run.dir() + "; " + failures + " failure(s)");
        return failures == 0 ? 0 : 1;
    }
}
