package dev.minerva.backend.cuda;

import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUstreamCaptureMode;
import jcuda.driver.JCudaDriver;

/**
 * A captured and instantiated CUDA graph: the launches {@code body} queues on a stream are recorded
 * once ({@code cuStreamBeginCapture} .. {@code cuStreamEndCapture}, {@code cuGraphInstantiate}) and
 * replayed with one {@code cuGraphLaunch}. A decode step of a 22-layer model is ~200 launches; replaying
 * them as a graph removes the per-launch CPU cost that otherwise dominates a 1B model.
 *
 * <p>Kernel arguments are frozen at capture, so everything that changes between steps (token ids,
 * positions, lengths, RNG counter) must live in device memory that the host updates before each replay.
 * No allocation, synchronisation or host copy may happen inside {@code body}.
 */
public final class CudaGraph implements AutoCloseable {
    private final String name;
    private final CUgraph graph = new CUgraph();
    private final CUgraphExec exec = new CUgraphExec();

    /** Captures {@code body}'s work on {@code stream} into a graph called {@code name}. */
    public CudaGraph(String name, CudaStream stream, Runnable body) {
        this.name = name;
        Cu.call("cuStreamBeginCapture(" + name + ")", () -> JCudaDriver.cuStreamBeginCapture(stream.handle(),
                CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_THREAD_LOCAL));
        try {
            body.run();
        } catch (RuntimeException e) {
            try { JCudaDriver.cuStreamEndCapture(stream.handle(), graph); } catch (RuntimeException ignored) { /* keep the first error */ }
            throw new CudaCallException("capturing graph " + name + " failed: " + e.getMessage(), e);
        }
        Cu.call("cuStreamEndCapture(" + name + ")", () -> JCudaDriver.cuStreamEndCapture(stream.handle(), graph));
        Cu.call("cuGraphInstantiate(" + name + ")", () -> JCudaDriver.cuGraphInstantiate(exec, graph, 0));
    }

    /** Queues one replay on {@code stream}. */
    public void launch(CudaStream stream) {
        Cu.call("cuGraphLaunch(" + name + ")", () -> JCudaDriver.cuGraphLaunch(exec, stream.handle()));
    }

    public String name() { return name; }

    @Override public void close() {
        Cu.call("cuGraphExecDestroy(" + name + ")", () -> JCudaDriver.cuGraphExecDestroy(exec));
        Cu.call("cuGraphDestroy(" + name + ")", () -> JCudaDriver.cuGraphDestroy(graph));
    }
}
