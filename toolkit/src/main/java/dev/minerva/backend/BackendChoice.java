package dev.minerva.backend;

import java.util.Locale;

/** What the user asked for with {@code --backend} / {@code MINERVA_BACKEND}. */
public enum BackendChoice {
    /** The GPU when one answers, else the CPU (with one notice line saying why). */
    AUTO,
    /** The CPU backend, always. */
    CPU,
    /** The CUDA backend; an error when there is no usable GPU. */
    CUDA;

    /**
     * Parses {@code auto|cpu|cuda} (case-insensitive; null or blank means auto).
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static BackendChoice parse(String s) {
        if (s == null || s.isBlank()) return AUTO;
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "auto" -> AUTO;
            case "cpu" -> CPU;
            case "cuda", "gpu" -> CUDA;
            default -> throw new IllegalArgumentException("unknown backend '" + s + "': use auto, cpu or cuda");
        };
    }
}
