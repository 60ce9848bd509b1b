package dev.minerva.backend;

import dev.minerva.backend.cuda.CudaBackend;
import dev.minerva.backend.cuda.CudaRuntime;
import dev.minerva.backend.cuda.CudaUnavailableException;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Backend selection, {@code auto|cpu|cuda}. {@code auto} takes the GPU when {@link CudaRuntime} says
 * one answers, else the CPU, printing one notice line (once per process) with the reason;
 * {@code cuda} without a GPU is an error with that reason.
 */
public final class Backends {
    private Backends() {}

    private static final AtomicBoolean NOTICE_PRINTED = new AtomicBoolean();

    /** The outcome of a selection, before any backend is built. */
    public record Decision(BackendChoice requested, String backend, String notice) {}

    /**
     * Decides without side effects.
     *
     * @param gpuAvailable whether a usable GPU answers
     * @param reason       why not, when it does not
     * @throws CudaUnavailableException for {@code cuda} without a GPU
     */
    public static Decision decide(BackendChoice requested, boolean gpuAvailable, String reason) {
        return switch (requested) {
            case CPU -> new Decision(requested, "cpu", null);
            case CUDA -> {
                if (!gpuAvailable) throw new CudaUnavailableException(reason);
                yield new Decision(requested, "cuda", null);
            }
            case AUTO -> gpuAvailable ? new Decision(requested, "cuda", null)
                    : new Decision(requested, "cpu", "minerva: no usable GPU (" + reason + "); using the CPU backend");
        };
    }

    /** {@link #decide} against this machine's cached CUDA verdict (probes only when the choice is not {@code cpu}). */
    public static Decision decide(BackendChoice requested) {
        if (requested == BackendChoice.CPU) return decide(requested, false, "not probed");
        return decide(requested, CudaRuntime.available(), CudaRuntime.reason());
    }

    /**
     * Builds the backend for {@code choice} ({@code auto|cpu|cuda}).
     *
     * @param threads CPU threads for the CPU backend
     * @param notices receives the auto-fallback notice (at most once per process); e.g. {@code System.err::println}
     * @throws CudaUnavailableException for {@code cuda} without a GPU
     * @throws IllegalArgumentException for an unknown choice
     */
    public static Backend select(String choice, int threads, Consumer<String> notices) {
        Decision d = decide(BackendChoice.parse(choice));
        if (d.notice() != null && NOTICE_PRINTED.compareAndSet(false, true)) notices.accept(d.notice());
        return d.backend().equals("cuda") ? CudaBackend.open() : new CpuBackend(threads);
    }

    /** {@link #select} with the choice from {@code MINERVA_BACKEND} (default auto) and notices on stderr. */
    public static Backend fromEnvironment(int threads) {
        return select(System.getenv("MINERVA_BACKEND"), threads, System.err::println);
    }
}
