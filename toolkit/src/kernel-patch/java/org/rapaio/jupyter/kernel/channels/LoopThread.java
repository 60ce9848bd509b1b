package org.rapaio.jupyter.kernel.channels;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Minerva's replacement for the rapaio Java kernel's channel loop thread (kernel 3.0.1), loaded from
 * a small patch jar placed before the kernel jar on the class path. Same name, constructor and
 * {@code shutdown()} as the class it shadows.
 *
 * <p>Why: the shadowed class raises its loop flag only after {@code Thread.start()} returns, so a loop
 * that checks the flag first ends at once and the Shell, Control or Heartbeat channel goes silent (the
 * "Kernel didn't respond" start-up hang). The channels also start their loops before the kernel's
 * message handlers exist, so an early request threw and ended the Shell loop for good. Here the flag is
 * up from construction, and a failing pass is logged and the loop goes on (clients resend
 * {@code kernel_info_request} until they get an answer).
 *
 * <p>Measured with {@code toolkit/scripts/kernel-start-check.py --starts 30 --nbconvert 12} on the 2-core
 * build machine under heavy load (load average 15-19), 30 s kernel_info limit: kernel starts that never
 * answered 0 of 30 with this class, 14 of 30 without; {@code nbconvert --execute} failures 0 of 12 with,
 * 6 of 12 without.
 */
public final class LoopThread extends Thread {

    private static final Logger LOG = Logger.getLogger(LoopThread.class.getName());

    private volatile boolean running = true;
    private final long sleepMillis;
    private final Runnable loopBody;

    /**
     * @param name        thread name
     * @param sleepMillis pause after each pass of {@code loopBody}
     * @param loopBody    one pass of the channel loop (poll a socket, handle what arrived)
     */
    public LoopThread(String name, long sleepMillis, Runnable loopBody) {
        super(name);
        this.sleepMillis = sleepMillis;
        this.loopBody = loopBody;
    }

    @Override
    public void run() {
        int failures = 0;
        while (running) {
            try {
                loopBody.run();
            } catch (RuntimeException e) {
                // After shutdown() the socket closes under us: that failure is expected, not news.
                if (!running) return;
                failures++;
                // The first failure with its stack; later ones one line each, then only every 100th,
                // so a socket that fails for good cannot flood the kernel log.
                if (failures == 1) LOG.log(Level.WARNING, getName() + ": loop pass failed; continuing", e);
                else if (failures <= 10 || failures % 100 == 0) LOG.warning(getName() + ": loop pass failed (" + failures + " so far): " + e);
            }
            try {
                Thread.sleep(sleepMillis);
            } catch (InterruptedException e) {
                running = false;
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Asks the loop to stop after its current pass. */
    public void shutdown() {
        running = false;
    }
}
