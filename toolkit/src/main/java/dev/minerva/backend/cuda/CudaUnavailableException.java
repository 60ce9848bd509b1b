package dev.minerva.backend.cuda;

/** CUDA was asked for but there is no usable GPU here; the message is {@link CudaRuntime#reason()}. */
public final class CudaUnavailableException extends RuntimeException {
    public CudaUnavailableException(String reason) { super("CUDA is not available: " + reason); }
}
