package dev.minerva.backend.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PTX the cuda module compiles into the jar: {@code dev/minerva/cuda/ptx/<file>_sm80.ptx} and
 * {@code _sm90.ptx}, one per {@code cuda/src/<file>.cu}. Pure Java (no driver needed), so tests and
 * {@code gpu-check} can inspect the kernels on any machine.
 */
public final class PtxResources {
    private PtxResources() {}

    /** Kernel source files (without {@code .cu}), one per op family. */
    public static final List<String> FILES = List.of(
            "copy", "embedding", "rmsnorm", "rope", "activation", "convert", "sample", "gemv", "layer", "gemm", "attention");

    /** The PTX targets built: sm_80 (Ampere) and sm_90 (Hopper). */
    public static final List<Integer> TARGETS = List.of(80, 90);

    private static final Pattern ENTRY = Pattern.compile("\\.entry\\s+([A-Za-z_][A-Za-z0-9_]*)\\s*\\(");

    /** Class-path resource name of one PTX file. */
    public static String resource(String file, int sm) {
        return "dev/minerva/cuda/ptx/" + file + "_sm" + sm + ".ptx";
    }

    /** The target to load for a device of compute capability {@code major.minor}: 90 for Hopper and newer, else 80. */
    public static int targetFor(int major, int minor) {
        if (major < 8) throw new IllegalArgumentException("compute capability " + major + "." + minor + " is below 8.0; kernels are built for sm_80+");
        return major >= 9 ? 90 : 80;
    }

    /** Whether every kernel file is present for every target (what the build makes with nvcc). */
    public static boolean present() {
        for (int sm : TARGETS) if (!present(sm)) return false;
        return true;
    }

    /**
     * Whether every kernel file is present for target {@code sm}: a slimmed jar may carry one target only (the GPU
     * session's carry keeps sm_90, the lent machines being Hopper).
     */
    public static boolean present(int sm) {
        for (String f : FILES) if (PtxResources.class.getClassLoader().getResource(resource(f, sm)) == null) return false;
        return true;
    }

    /**
     * The PTX text of one file, NUL-terminated as {@code cuModuleLoadData} wants it.
     *
     * @throws IllegalStateException naming the resource if it is missing
     */
    public static byte[] loadNulTerminated(String file, int sm) {
        String name = resource(file, sm);
        try (InputStream in = PtxResources.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("PTX resource " + name + " is not on the class path (was the cuda module built with nvcc?)");
            byte[] text = in.readAllBytes();
            byte[] z = new byte[text.length + 1];
            System.arraycopy(text, 0, z, 0, text.length);
            return z;
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + name, e);
        }
    }

    /** The PTX text of one file, or {@code null} if absent. */
    public static String text(String file, int sm) {
        try (InputStream in = PtxResources.class.getClassLoader().getResourceAsStream(resource(file, sm))) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + resource(file, sm), e);
        }
    }

    private static final Pattern PARAM = Pattern.compile("\\.param\\s+\\.(\\w+)\\s+(?:\\.ptr[^\\s]*\\s+)*(?:\\.align\\s+\\d+\\s+)?[A-Za-z_][A-Za-z0-9_]*");

    /**
     * The parameter types ({@code u64}, {@code u32}, {@code f32}, ...) of entry {@code entry} in a PTX text,
     * in order, or {@code null} if there is no such entry.
     */
    public static List<String> params(String ptx, String entry) {
        Matcher m = Pattern.compile("\\.entry\\s+" + Pattern.quote(entry) + "\\s*\\(").matcher(ptx);
        if (!m.find()) return null;
        int close = ptx.indexOf(')', m.end());
        if (close < 0) return null;
        List<String> out = new ArrayList<>();
        Matcher p = PARAM.matcher(ptx.substring(m.end(), close));
        while (p.find()) out.add(p.group(1));
        return out;
    }

    /** Names of the kernel entry points ({@code .entry name(}) declared in a PTX text, in order. */
    public static List<String> entries(String ptx) {
        List<String> out = new ArrayList<>();
        Matcher m = ENTRY.matcher(ptx);
        while (m.find()) out.add(m.group(1));
        return out;
    }
}
