package dev.minerva.backend.cuda;

import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.JCudaDriver;

/** A CUDA event, for timing device work ({@link #elapsedMs}) without synchronising the host in between. */
public final class CudaEvent implements AutoCloseable {
    private final CUevent event = new CUevent();

    public CudaEvent() {
        Cu.call("cuEventCreate", () -> JCudaDriver.cuEventCreate(event, CUevent_flags.CU_EVENT_DEFAULT));
    }

    /** Records this event on {@code stream}. */
    public void record(CudaStream stream) {
        Cu.call("cuEventRecord", () -> JCudaDriver.cuEventRecord(event, stream.handle()));
    }

    /** Milliseconds between {@code start} and {@code end} (waits for {@code end}). */
    public static float elapsedMs(CudaEvent start, CudaEvent end) {
        Cu.call("cuEventSynchronize", () -> JCudaDriver.cuEventSynchronize(end.event));
        float[] ms = new float[1];
        Cu.call("cuEventElapsedTime", () -> JCudaDriver.cuEventElapsedTime(ms, start.event, end.event));
        return ms[0];
    }

    @Override public void close() { Cu.call("cuEventDestroy", () -> JCudaDriver.cuEventDestroy(event)); }
}
