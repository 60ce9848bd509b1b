package dev.minerva.backend.cuda;

import java.util.Arrays;

/**
 * Device-side timing shared by {@code gpu-check} and {@code minerva bench}: a body replayed as a CUDA graph with
 * events between replays, and the device-to-device copy bandwidth that decode speed is compared with.
 */
public final class DeviceTiming {
    private DeviceTiming() {}

    /** Bytes the copy bandwidth measurement moves each way: large enough that the L2 (50 MB on an H100) holds none of it. */
    static final long COPY_BYTES = 256L << 20;

    /**
     * Device time of {@code body} in ms, the GPU never waiting for the host: the body is captured once into a CUDA graph
     * and replayed {@code repeats} times back to back with an event between replays (median of the gaps). Launching
     * from the host between two events instead times a kernel shorter than the launch path (JCuda's argument
     * marshalling included) at the host's pace: run 20261122-203451-9f37111 timed a 2048x2048 F16 GEMV at 13.8 us that
     * way, the next run 6.1 us on the device. The body must be capturable (no host copies); it runs three times
     * first, so that every scratch buffer has its size before the capture.
     */
    static double graphReplayMs(CudaContext ctx, int repeats, Runnable body) {
        if (repeats < 1) throw new IllegalArgumentException("repeats must be >= 1: " + repeats);
        for (int i = 0; i < 3; i++) body.run();
        ctx.synchronize("benchmark warm-up");
        CudaEvent[] ev = new CudaEvent[repeats + 1];
        try (CudaGraph g = new CudaGraph("benchmark", ctx.stream(), body)) {
            for (int i = 0; i <= repeats; i++) ev[i] = new CudaEvent();
            g.launch(ctx.stream());                 // one replay ahead, so the queue is never empty when timing starts
            ev[0].record(ctx.stream());
            for (int i = 0; i < repeats; i++) {
                g.launch(ctx.stream());
                ev[i + 1].record(ctx.stream());
            }
            double[] t = new double[repeats];
            for (int i = 0; i < repeats; i++) t[i] = CudaEvent.elapsedMs(ev[i], ev[i + 1]);
            Arrays.sort(t);
            return t[repeats / 2];
        } finally {
            for (CudaEvent e : ev) if (e != null) e.close();
        }
    }

    /**
     * Measured device memory bandwidth, bytes per second, counting both the bytes read and the bytes written by
     * {@code copy_f32x4} over {@link #COPY_BYTES}: the yardstick decode's weight streaming is compared with.
     */
    public static double copyBytesPerSecond(CudaContext ctx, int repeats) {
        long n4 = COPY_BYTES / 16;
        DeviceBuffer src = ctx.pool().allocate(COPY_BYTES, "copy src"), dst = ctx.pool().allocate(COPY_BYTES, "copy dst");
        try {
            ctx.fill32(src, 0, n4 * 4, Float.floatToIntBits(1.5f), "copy src fill");
            Kernel copy = ctx.kernel("copy", "copy_f32x4");
            int grid = ctx.info().smCount() * 8;
            double ms = graphReplayMs(ctx, repeats, () -> copy.launch1d(ctx.stream(), grid, 256, src, dst, n4));
            return 2.0 * COPY_BYTES / (ms * 1e-3);
        } finally {
            ctx.pool().free(src);
            ctx.pool().free(dst);
        }
    }
}
