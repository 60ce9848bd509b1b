/**
 * The CUDA backend, through the JCuda driver API only (no cuBLAS, no NVRTC): {@link dev.minerva.backend.cuda.CudaRuntime}
 * (is there a GPU, and if not why — probed once and cached), {@link dev.minerva.backend.cuda.CudaContext}
 * (primary context, device info, PTX modules from {@code cuda/}, memory pool, stream), events, pinned
 * buffers, CUDA graphs, and {@link dev.minerva.backend.cuda.GpuCheck} (conformance against the CPU and
 * micro-benchmarks). Every driver call is wrapped so that a failure names the call and the kernel.
 * Nothing here is touched unless a GPU answers; without one, the CPU backend runs.
 */
package dev.minerva.backend.cuda;
