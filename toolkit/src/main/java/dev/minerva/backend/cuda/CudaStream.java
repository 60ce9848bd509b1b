package dev.minerva.backend.cuda;

import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import jcuda.driver.JCudaDriver;

/** A non-blocking CUDA stream (work on it does not wait for the legacy default stream). */
public final class CudaStream implements AutoCloseable {
    private final CUstream stream = new CUstream();

    public CudaStream() {
        Cu.call("cuStreamCreate", () -> JCudaDriver.cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING));
    }

    public CUstream handle() { return stream; }

    /** Waits for all work queued so far. */
    public void synchronize(String afterWhat) {
        Cu.call("cuStreamSynchronize (after " + afterWhat + ")", () -> JCudaDriver.cuStreamSynchronize(stream));
    }

    @Override public void close() { Cu.call("cuStreamDestroy", () -> JCudaDriver.cuStreamDestroy(stream)); }
}
