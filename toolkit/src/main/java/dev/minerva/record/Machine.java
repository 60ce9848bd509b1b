package dev.minerva.record;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The machine a run executed on.
 *
 * @param jdkVersion {@code java.runtime.version}
 * @param jdkVendor  {@code java.vendor}
 * @param os         OS name, version and architecture
 * @param cpuModel   first {@code model name} of /proc/cpuinfo ({@code os.arch} when unreadable)
 * @param cores      processors available to the JVM
 * @param gpuName    first GPU reported by {@code nvidia-smi}, or {@code null} when there is none
 * @param gpuDriver  NVIDIA driver version, or {@code null}
 */
public record Machine(String jdkVersion, String jdkVendor, String os, String cpuModel, int cores,
                      String gpuName, String gpuDriver) {

    /** Probes the current machine; never throws (missing facts become {@code null}/"unknown"). */
    public static Machine probe() {
        String os = System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch");
        String[] gpu = nvidiaSmi();
        return new Machine(System.getProperty("java.runtime.version"), System.getProperty("java.vendor"), os,
                readCpuModel(), Runtime.getRuntime().availableProcessors(), gpu == null ? null : gpu[0], gpu == null ? null : gpu[1]);
    }

    static String readCpuModel() {
        Path info = Path.of("/proc/cpuinfo");
        try {
            if (Files.isReadable(info)) {
                for (String line : Files.readAllLines(info, StandardCharsets.UTF_8)) {
                    if (line.startsWith("model name")) {
                        int colon = line.indexOf(':');
                        if (colon > 0) return line.substring(colon + 1).trim();
                    }
                }
            }
        } catch (IOException ignored) {
            // fall through: the architecture is better than nothing
        }
        return "unknown (" + System.getProperty("os.arch") + ")";
    }

    /** {name, driver} of the first GPU, or null when nvidia-smi is not on PATH or fails. */
    private static String[] nvidiaSmi() {
        Path exe = onPath("nvidia-smi");
        if (exe == null) return null;
        try {
            Process p = new ProcessBuilder(exe.toString(), "--query-gpu=name,driver_version", "--format=csv,noheader")
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0 || out.isEmpty()) return null;
            String first = out.lines().findFirst().orElse("");
            int comma = first.lastIndexOf(',');
            if (comma < 0) return new String[]{first.trim(), null};
            return new String[]{first.substring(0, comma).trim(), first.substring(comma + 1).trim()};
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static Path onPath(String exe) {
        String path = System.getenv("PATH");
        if (path == null) return null;
        List<Path> dirs = new ArrayList<>();
        for (String d : path.split(java.io.File.pathSeparator)) if (!d.isBlank()) dirs.add(Path.of(d));
        for (Path d : dirs) {
            Path f = d.resolve(exe);
            if (Files.isExecutable(f)) return f;
        }
        return null;
    }
}
