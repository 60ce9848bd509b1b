package dev.minerva.bench;

import dev.minerva.backend.CpuBackend;
import dev.minerva.tensor.DType;
import dev.minerva.tensor.Tensor;
import dev.minerva.tensor.TensorCodec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * CpuBackend matmul per weight dtype at TinyLlama's FFN shape (5632 x 2048): T = 1 is decode
 * (GB/s of weights = bytes / time), T = 32 is a prefill tile. Run:
 * {@code java --add-modules jdk.incubator.vector -cp toolkit/target/test-classes:toolkit/target/classes:$(cat toolkit/target/classpath.txt):<jmh jars> org.openjdk.jmh.Main MatmulBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class MatmulBenchmark {
    @Param({"F32", "F16", "BF16", "Q8_0", "Q4_0"}) public String dtype;
    @Param({"1", "32"}) public int tokens;
    @Param({"5632"}) public int rows;
    @Param({"2048"}) public int cols;
    @Param({"2"}) public int threads;

    Arena arena;
    CpuBackend backend;
    Tensor w, x, out;

    @Setup(Level.Trial) public void setUp() {
        arena = Arena.ofShared();
        backend = new CpuBackend(threads);
        SplittableRandom rnd = new SplittableRandom(1);
        float[] row = new float[cols];
        w = Tensor.allocate(arena, "w", DType.valueOf(dtype), rows, cols);
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < cols; i++) row[i] = (float) rnd.nextDouble(-1, 1);
            TensorCodec.encode(row, 0, cols, w, (long) r * cols);
        }
        float[] xs = new float[tokens * cols];
        for (int i = 0; i < xs.length; i++) xs[i] = (float) rnd.nextDouble(-1, 1);
        x = backend.allocate("x", tokens, cols);
        backend.write(x, xs);
        out = backend.allocate("out", tokens, rows);
    }

    @Benchmark public Tensor matmul() {
        backend.matmul(out, x, w);
        return out;
    }

    @TearDown(Level.Trial) public void tearDown() {
        backend.close();
        arena.close();
    }
}
