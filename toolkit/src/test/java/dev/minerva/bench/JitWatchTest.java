package dev.minerva.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** {@link JitWatch} on a scripted compilation-time counter and clock. */
class JitWatchTest {
    private long compileMillis, now;

    @Test void quietOnlyOnceTheCompilationTimeHasNotMovedForTheWindow() {
        JitWatch w = new JitWatch(() -> compileMillis, () -> now);
        long window = 500;
        assertFalse(w.quietFor(window), "the first poll only starts the window");
        now = 499;
        assertFalse(w.quietFor(window));
        compileMillis = 7;                                 // a compilation finished
        now = 600;
        assertFalse(w.quietFor(window), "a compilation restarts the window");
        now = 1099;
        assertFalse(w.quietFor(window));
        now = 1100;
        assertTrue(w.quietFor(window));
        now = 5000;
        assertTrue(w.quietFor(window));
        compileMillis = 8;
        assertFalse(w.quietFor(window), "and again after a later compilation");
    }
}
