package dev.minerva.backend.cuda;

import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

import java.util.function.IntSupplier;

/**
 * Every driver call goes through {@link #call}: JCuda's exceptions are on (so no error code is ever
 * dropped) and each failure is re-thrown with the name of the call and what it was doing
 * ({@code "cuLaunchKernel(gemv_f16_nb1): CUDA_ERROR_INVALID_VALUE"}).
 */
final class Cu {
    private Cu() {}

    static {
        JCudaDriver.setExceptionsEnabled(true);
    }

    /**
     * Runs a driver call returning a CUresult.
     *
     * @param what the call and its subject, e.g. {@code "cuModuleLoadData(gemv_sm90.ptx)"}
     * @throws CudaCallException naming {@code what} and the CUDA error
     */
    static void call(String what, IntSupplier call) {
        int r;
        try {
            r = call.getAsInt();
        } catch (jcuda.CudaException e) {
            throw new CudaCallException(what + ": " + e.getMessage(), e);
        }
        if (r != CUresult.CUDA_SUCCESS) throw new CudaCallException(what + ": " + CUresult.stringFor(r));
    }

    /** Whether a failure of a call was the device running out of memory. */
    static boolean isOutOfMemory(CudaCallException e) {
        return e.getMessage() != null && e.getMessage().contains("CUDA_ERROR_OUT_OF_MEMORY");
    }
}
