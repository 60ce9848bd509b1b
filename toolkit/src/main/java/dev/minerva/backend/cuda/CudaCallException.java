package dev.minerva.backend.cuda;

/** A CUDA driver call or kernel launch failed; the message names the call (and kernel) and the CUDA error. */
public class CudaCallException extends RuntimeException {
    public CudaCallException(String message) { super(message); }
    public CudaCallException(String message, Throwable cause) { super(message, cause); }
}
