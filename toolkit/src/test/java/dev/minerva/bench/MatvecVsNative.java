package dev.minerva.bench;

import dev.minerva.record.Locations;
import dev.minerva.record.RunRecorder;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The CPU engine's mat-vec kernels against a native reference in the same run: for each round, shape and dtype,
 * {@code toolkit/src/bench/c/matvec.c} (AVX2 with pmaddubsw/pmaddwd, gcc -O3 -march=native -fopenmp) and
 * {@link MatvecProbe} (the engine's {@code CpuBackend.matmul}) each run in a fresh process, alternately, so both
 * see the same phase of a machine whose bandwidth drifts over minutes. Prints, per dtype and shape, the median
 * GB/s of weights of each and the Java ÷ native ratio; with {@code --record}, records the study
 * {@code matvec-native} (results: the medians; rounds: every measurement; the triad before and after).
 *
 * <p>Run by {@code toolkit/scripts/matvec-vs-c.sh}, which compiles the native side. Arguments:
 * {@code --native PATH --rounds N --shapes RxC,... --copies C --threads T --dtypes F32,Q8_0,Q4_0 [--record]}.
 */
public final class MatvecVsNative {
    private static final Pattern TIMING = Pattern.compile("([0-9.]+) us\\s+([0-9.]+) GB/s");

    record Measurement(int round, String dtype, String shape, String impl, double us, double gbs) {}

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = options(args);
        Path nativeBin = Path.of(require(opt, "native"));
        int rounds = Integer.parseInt(opt.getOrDefault("rounds", "3"));
        List<String> shapes = List.of(opt.getOrDefault("shapes", "14336x4096").split(","));
        int copies = Integer.parseInt(opt.getOrDefault("copies", "1"));
        int threads = Integer.parseInt(opt.getOrDefault("threads", Integer.toString(Runtime.getRuntime().availableProcessors())));
        List<String> dtypes = List.of(opt.getOrDefault("dtypes", "F32,Q8_0,Q4_0").split(","));

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

        if (opt.containsKey("record")) {
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

    private static Map<String, String> options(String[] args) {
        Map<String, String> opt = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--")) throw new IllegalArgumentException("expected an option, got '" + args[i] + "' in " + Arrays.toString(args));
            String key = args[i].substring(2);
            if (key.equals("record")) opt.put(key, "true");
            else if (i + 1 < args.length) opt.put(key, args[++i]);
            else throw new IllegalArgumentException("option --" + key + " needs a value");
        }
        return opt;
    }

    private static String require(Map<String, String> opt, String key) {
        String v = opt.get(key);
        if (v == null) throw new IllegalArgumentException("missing --" + key);
        return v;
    }
}
