package dev.minerva.bench;

import dev.minerva.record.Locations;
import dev.minerva.record.RunRecorder;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The CPU engine's mat-vec kernels against a native reference in the same run: for each round, shape and dtype,
 * {@code toolkit/src/bench/c/matvec.c} (AVX2 with pmaddubsw/pmaddwd, gcc -O3 -march=native -fopenmp) and
 * {@link MatvecProbe} (the engine's {@code CpuBackend.matmul}) each run in a fresh process, alternately, so both
 * see the same phase of a machine whose bandwidth drifts over minutes. Prints, per dtype and shape, the median
 * GB/s of weights of each and the Java ÷ native ratio; with {@code --record}, records the study
 * {@code matvec-native} (results: the medians; rounds: every measurement; the triad before and after).
 * Run by {@code toolkit/scripts/matvec-vs-c.sh}, which compiles the native side.
 */
@Command(name = "matvec-vs-c", mixinStandardHelpOptions = true, description = "CPU mat-vec kernels against a native reference, same run.")
public final class MatvecVsNative implements Callable<Integer> {
    private static final Pattern TIMING = Pattern.compile("([0-9.]+) us\\s+([0-9.]+) GB/s");
    private static final Pattern SHAPE = Pattern.compile("([1-9][0-9]*)x([1-9][0-9]*)");
    private static final List<String> DTYPES = List.of("F32", "Q8_0", "Q4_0");

    @Spec CommandSpec spec;
    @Option(names = "--native", required = true, description = "the compiled matvec.c") Path nativeBin;
    @Option(names = "--rounds", defaultValue = "3") int rounds;
    @Option(names = "--shapes", split = ",", defaultValue = "14336x4096", description = "ROWSxCOLS, COLS a multiple of 32") List<String> shapes;
    @Option(names = "--copies", defaultValue = "1", description = "matrices cycled through (enough to exceed the LLC: DRAM)") int copies;
    @Option(names = "--threads", description = "default: all processors") Integer threads;
    @Option(names = "--dtypes", split = ",", defaultValue = "F32,Q8_0,Q4_0") List<String> dtypes;
    @Option(names = "--record", description = "record a run under datasets/results/matvec-native") boolean record;

    record Measurement(int round, String dtype, String shape, String impl, double us, double gbs) {}

    public static void main(String[] args) {
        System.exit(new CommandLine(new MatvecVsNative()).execute(args));
    }

    /** Refuses what the native side or the medians could not use, before anything is measured. */
    void validate() {
        if (!Files.isExecutable(nativeBin)) throw bad("--native " + nativeBin + " is not an executable file");
        if (rounds < 1) throw bad("--rounds must be >= 1, got " + rounds);
        if (copies < 1) throw bad("--copies must be >= 1, got " + copies);
        if (threads != null && threads < 1) throw bad("--threads must be >= 1, got " + threads);
        for (String s : shapes) {
            Matcher m = SHAPE.matcher(s);
            if (!m.matches() || Integer.parseInt(m.group(2)) % 32 != 0) {
                throw bad("--shapes: '" + s + "' is not ROWSxCOLS with positive sizes and COLS a multiple of 32");
            }
        }
        for (String d : dtypes) if (!DTYPES.contains(d)) throw bad("--dtypes: unknown '" + d + "' (" + String.join(", ", DTYPES) + ")");
    }

    private ParameterException bad(String message) { return new ParameterException(spec.commandLine(), message); }

    @Override public Integer call() throws Exception {
        validate();
        int threads = this.threads != null ? this.threads : Runtime.getRuntime().availableProcessors();
        long arrayBytes = TriadBandwidth.defaultArrayBytes();
        double triadBefore = TriadBandwidth.measure(arrayBytes, threads, 5).gbPerSecond();
        List<Measurement> all = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            for (String shape : shapes) {
                for (String dtype : dtypes) {
                    String[] rc = shape.split("x");
                    // the native side first in odd rounds, the Java side first in even ones
                    List<String> order = round % 2 == 1 ? List.of("native", "java") : List.of("java", "native");
                    for (String impl : order) {
                        List<String> cmd = impl.equals("native")
                                ? List.of(nativeBin.toString(), dtype.toLowerCase(), rc[0], rc[1], Integer.toString(threads), Integer.toString(copies))
                                : javaProbe(dtype, shape, threads, copies);
                        double[] t = run(cmd);
                        Measurement m = new Measurement(round, dtype, shape, impl, t[0], t[1]);
                        all.add(m);
                        System.out.printf("round %d  %-5s %-10s %-6s %9.1f us  %6.2f GB/s%n", round, dtype, shape, impl, m.us(), m.gbs());
                    }
                }
            }
        }
        double triadAfter = TriadBandwidth.measure(arrayBytes, threads, 5).gbPerSecond();
        Table summary = summary(all, dtypes, shapes);
        System.out.printf("%nthreads %d, copies %d, %d rounds; triad %.1f GB/s before, %.1f after%n", threads, copies, rounds, triadBefore, triadAfter);
        System.out.println(summary.printAll());

        if (record) {
            Map<String, Object> cfg = new LinkedHashMap<>();
            cfg.put("rounds", rounds);
            cfg.put("shapes", shapes);
            cfg.put("dtypes", dtypes);
            cfg.put("copies", copies);
            cfg.put("threads", threads);
            cfg.put("native", "toolkit/src/bench/c/matvec.c, gcc -O3 -march=native -fopenmp");
            cfg.put("triadGbPerSecondBefore", triadBefore);
            cfg.put("triadGbPerSecondAfter", triadAfter);
            var run = RunRecorder.begin(Locations.out(), "matvec-native", cfg, 1, "cpu", null)
                    .results(summary).table("rounds", rounds(all)).commit();
            System.out.println("recorded " + run.dir());
        }
        return 0;
    }

    /** MatvecProbe in its own JVM, with this JVM's java, class path and vector module. */
    private static List<String> javaProbe(String dtype, String shape, int threads, int copies) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return List.of(java, "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), MatvecProbe.class.getName(),
                dtype, Integer.toString(threads), "1", shape, Integer.toString(copies));
    }

    /** Runs one measurement and returns {us, GB/s} from its last timing line; a failure names the command and its output. */
    private static double[] run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        Matcher m = TIMING.matcher(out);
        double[] last = null;
        while (m.find()) last = new double[]{Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2))};
        if (rc != 0 || last == null) throw new IllegalStateException("exit " + rc + " from " + String.join(" ", cmd) + ":\n" + out);
        return last;
    }

    static Table summary(List<Measurement> all, List<String> dtypes, List<String> shapes) {
        StringColumn dtype = StringColumn.create("dtype"), shape = StringColumn.create("shape");
        DoubleColumn java = DoubleColumn.create("java_gbs"), javaMin = DoubleColumn.create("java_gbs_min"), javaMax = DoubleColumn.create("java_gbs_max");
        DoubleColumn nat = DoubleColumn.create("native_gbs"), natMin = DoubleColumn.create("native_gbs_min"), natMax = DoubleColumn.create("native_gbs_max");
        DoubleColumn ratio = DoubleColumn.create("java_over_native");
        for (String s : shapes) {
            for (String d : dtypes) {
                double[] j = gbs(all, d, s, "java"), n = gbs(all, d, s, "native");
                dtype.append(d);
                shape.append(s);
                java.append(median(j));
                javaMin.append(j[0]);
                javaMax.append(j[j.length - 1]);
                nat.append(median(n));
                natMin.append(n[0]);
                natMax.append(n[n.length - 1]);
                ratio.append(median(j) / median(n));
            }
        }
        return Table.create("results", dtype, shape, java, javaMin, javaMax, nat, natMin, natMax, ratio);
    }

    private static Table rounds(List<Measurement> all) {
        IntColumn round = IntColumn.create("round");
        StringColumn dtype = StringColumn.create("dtype"), shape = StringColumn.create("shape"), impl = StringColumn.create("impl");
        DoubleColumn us = DoubleColumn.create("us"), gbs = DoubleColumn.create("gbs");
        for (Measurement m : all) {
            round.append(m.round());
            dtype.append(m.dtype());
            shape.append(m.shape());
            impl.append(m.impl());
            us.append(m.us());
            gbs.append(m.gbs());
        }
        return Table.create("rounds", round, dtype, shape, impl, us, gbs);
    }

    /** The sorted GB/s of one cell. */
    private static double[] gbs(List<Measurement> all, String dtype, String shape, String impl) {
        return all.stream().filter(m -> m.dtype().equals(dtype) && m.shape().equals(shape) && m.impl().equals(impl))
                .mapToDouble(Measurement::gbs).sorted().toArray();
    }

    static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
