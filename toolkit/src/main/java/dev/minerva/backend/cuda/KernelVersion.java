package dev.minerva.backend.cuda;

import java.util.Locale;

/**
 * Which of the kernel versions kept side by side (while GPU runs compare them) a system property names: one reader
 * for {@link TensorCoreGemm}, {@link GemvKernel}, {@link PrefillAttention}, {@link CudaDecoder.Step} and {@link CudaGeneration.Path}.
 */
final class KernelVersion {
    private KernelVersion() {}

    /**
     * The value of {@code values} whose {@code toString()} equals {@code -D<property>} (case and surrounding blanks
     * ignored), {@code fallback} when the property is unset.
     *
     * @throws IllegalArgumentException naming the property, the versions and the value, for any other value
     */
    static <E extends Enum<E>> E configured(String property, E fallback, E[] values) {
        String v = System.getProperty(property, fallback.toString()).trim();
        StringBuilder names = new StringBuilder();
        for (int i = 0; i < values.length; i++) {
            if (values[i].toString().equalsIgnoreCase(v)) return values[i];
            names.append(i == 0 ? "" : i == values.length - 1 ? " or " : ", ").append(values[i].toString().toLowerCase(Locale.ROOT));
        }
        throw new IllegalArgumentException("-D" + property + " must be " + names + ", got '" + v + "'");
    }

    /**
     * The whole number {@code -D<property>} holds (surrounding blanks ignored), {@code fallback} when it is unset.
     *
     * @param meaning appended to the error, e.g. {@code " (0: no cap)"}
     * @throws IllegalArgumentException naming the property, the bound and the value, for anything else or below {@code min}
     */
    static int configuredInt(String property, int fallback, int min, String meaning) {
        String v = System.getProperty(property, String.valueOf(fallback)).trim();
        try {
            int n = Integer.parseInt(v);
            if (n >= min) return n;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("-D" + property + " must be a whole number >= " + min + meaning + ", got '" + v + "'");
    }

    /** A true/false system property (case and surrounding blanks ignored), {@code fallback} when unset. */
    static boolean configuredFlag(String property, boolean fallback) {
        String v = System.getProperty(property, String.valueOf(fallback)).trim();
        if (v.equalsIgnoreCase("true")) return true;
        if (v.equalsIgnoreCase("false")) return false;
        throw new IllegalArgumentException("-D" + property + " must be true or false, got '" + v + "'");
    }
}
