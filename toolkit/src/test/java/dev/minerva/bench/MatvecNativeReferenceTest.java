package dev.minerva.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The native reference that {@code toolkit/scripts/matvec-vs-c.sh} times the kernels against must itself be right:
 * it compiles, checks its SIMD products against its float64 loop before timing (exit 1 on a difference above 1e-4)
 * and refuses bad arguments; so do the FMA-peak and GEMM references. Skipped where there is no gcc or the CPU lacks
 * AVX2/FMA (and F16C for the mat-vec reference).
 */
class MatvecNativeReferenceTest {
    @Test
    void compilesAgreesWithItsScalarLoopAndRefusesBadArguments(@TempDir Path dir) throws Exception {
        assumeTrue(hasGcc(), "no gcc");
        assumeTrue(cpuHas("avx2", "fma", "f16c"), "CPU without AVX2/FMA/F16C");
        Path bin = compile("matvec", dir);

        for (String dtype : List.of("f32", "q8_0", "q4_0")) {
            // 96 columns: three blocks, so the two-block loop and its one-block tail both run; 2048 rows keep the timing short
            Result r = run(List.of(bin.toString(), dtype, "2048", "96", "2"));
            assertEquals(0, r.rc, dtype + ": " + r.out);
            assertTrue(r.out.matches("(?s).*GB/s\\s+maxdiff=.*"), dtype + ": " + r.out);
        }
        Result bad = run(List.of(bin.toString(), "q8_0", "64", "100", "2"));
        assertEquals(2, bad.rc, bad.out);
        assertTrue(bad.out.contains("multiple of 32"), bad.out);
        Result unknown = run(List.of(bin.toString(), "q5_k", "64", "64", "1"));
        assertEquals(2, unknown.rc, unknown.out);
        assertTrue(unknown.out.contains("unknown dtype 'q5_k'"), unknown.out);
    }

    /** The FMA-peak and GEMM references beside it ({@code fmapeak.c}, {@code gemmtile.c}): they compile, run small, and refuse bad arguments. */
    @Test
    void fmaPeakAndGemmTileReferencesRunAndRefuseBadArguments(@TempDir Path dir) throws Exception {
        assumeTrue(hasGcc(), "no gcc");
        assumeTrue(cpuHas("avx2", "fma"), "CPU without AVX2/FMA");
        Path fma = compile("fmapeak", dir), gemm = compile("gemmtile", dir);

        Result peak = run(List.of(fma.toString(), "1", "1000"));
        assertEquals(0, peak.rc, peak.out);
        assertTrue(peak.out.matches("(?s)fmapeak threads=1 gflops=[0-9.]+\\s*"), peak.out);
        for (List<String> args : List.<List<String>>of(List.of("0"), List.of("1", "-5"), List.of())) {
            Result r = run(concat(fma, args));
            assertEquals(2, r.rc, args + ": " + r.out);
        }

        Result tile = run(List.of(gemm.toString(), "12", "32", "384", "1"));
        assertEquals(0, tile.rc, tile.out);
        assertTrue(tile.out.contains("C tile6 alone") && tile.out.contains("C gemm tile6x16 T=12 32x384 threads=1"), tile.out);
        Result odd = run(List.of(gemm.toString(), "5", "16", "16", "1"));
        assertEquals(2, odd.rc, odd.out);
        assertTrue(odd.out.contains("T must be a positive multiple of 6"), odd.out);
        assertEquals(2, run(List.of(gemm.toString(), "6", "16")).rc);
    }

    private static Path compile(String name, Path dir) throws Exception {
        Path src = Path.of(System.getProperty("minerva.root", "..")).resolve("toolkit/src/bench/c/" + name + ".c");
        if (!Files.exists(src)) src = Path.of("src/bench/c/" + name + ".c");
        Path bin = dir.resolve(name);
        Result cc = run(List.of("gcc", "-O3", "-march=native", "-fopenmp", "-Wall", "-Werror", "-o", bin.toString(), src.toString(), "-lm"));
        assertEquals(0, cc.rc, cc.out);
        return bin;
    }

    private static List<String> concat(Path bin, List<String> args) {
        List<String> cmd = new java.util.ArrayList<>();
        cmd.add(bin.toString());
        cmd.addAll(args);
        return cmd;
    }

    private record Result(int rc, String out) {}

    private static Result run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) { p.destroyForcibly(); fail("timed out: " + cmd); }
        return new Result(p.exitValue(), out);
    }

    private static boolean hasGcc() {
        try {
            return run(List.of("gcc", "--version")).rc == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private static boolean cpuHas(String... flags) throws IOException {
        Path info = Path.of("/proc/cpuinfo");
        if (!Files.exists(info)) return false;
        String text = Files.readString(info);
        for (String f : flags) if (!java.util.regex.Pattern.compile("(?m)^flags\\s*:.*\\b" + f + "\\b").matcher(text).find()) return false;
        return true;
    }
}
