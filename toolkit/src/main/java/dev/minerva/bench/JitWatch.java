package dev.minerva.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.function.LongSupplier;

/**
 * Tells a warm-up loop when the JIT has gone quiet: no compilation has finished for a given time. On a 2-core machine
 * the C2 compiler thread competes with the two compute threads, and a fixed warm-up of a few seconds ended while the
 * kernels of a stories110M-shape Q8_0 model were still being compiled (in one {@code minerva bench} run the decode
 * kernel reached C2 7.5 s after the start and the matmul dispatch 9.6 s after, about when the timed steps began), so
 * timed steps could mix C1 and C2 code. Reads the JVM's accumulated compilation time
 * ({@link CompilationMXBean#getTotalCompilationTime}, milliseconds), polled once per loop iteration.
 */
final class JitWatch {
    private final LongSupplier compileMillis, clock;
    private long lastTotal = Long.MIN_VALUE, lastChange;

    /** Watches this JVM's JIT; without one (or without its time monitoring) it is always quiet. */
    static JitWatch ofThisJvm() {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        LongSupplier total = jit != null && jit.isCompilationTimeMonitoringSupported() ? jit::getTotalCompilationTime : () -> 0;
        return new JitWatch(total, System::nanoTime);
    }

    JitWatch(LongSupplier compileMillis, LongSupplier clock) {
        this.compileMillis = compileMillis;
        this.clock = clock;
    }

    /** True when the compilation time has not moved for {@code nanos}, measured from the first poll that saw it move (or the first poll). */
    boolean quietFor(long nanos) {
        long total = compileMillis.getAsLong(), now = clock.getAsLong();
        if (total != lastTotal) {
            lastTotal = total;
            lastChange = now;
            return false;
        }
        return now - lastChange >= nanos;
    }
}
