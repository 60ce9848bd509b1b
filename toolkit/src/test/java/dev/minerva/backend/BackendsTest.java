package dev.minerva.backend;

import dev.minerva.backend.cuda.CudaRuntime;
import dev.minerva.backend.cuda.CudaUnavailableException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Backend selection auto|cpu|cuda, and the CPU fallback CI runs (no GPU there). */
class BackendsTest {

    @Test
    void parsesChoices() {
        assertEquals(BackendChoice.AUTO, BackendChoice.parse(null));
        assertEquals(BackendChoice.AUTO, BackendChoice.parse(" "));
        assertEquals(BackendChoice.CPU, BackendChoice.parse("CPU"));
        assertEquals(BackendChoice.CUDA, BackendChoice.parse("cuda"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BackendChoice.parse("tpu"));
        assertTrue(e.getMessage().contains("auto, cpu or cuda"), e.getMessage());
    }

    @Test
    void decisionTable() {
        assertEquals("cuda", Backends.decide(BackendChoice.AUTO, true, "ok").backend());
        assertNull(Backends.decide(BackendChoice.AUTO, true, "ok").notice());
        Backends.Decision fallback = Backends.decide(BackendChoice.AUTO, false, "libcuda.so.1 missing");
        assertEquals("cpu", fallback.backend());
        assertTrue(fallback.notice().contains("libcuda.so.1 missing") && fallback.notice().contains("CPU"), fallback.notice());
        assertEquals("cpu", Backends.decide(BackendChoice.CPU, true, "ok").backend());
        assertEquals("cuda", Backends.decide(BackendChoice.CUDA, true, "ok").backend());
        CudaUnavailableException e = assertThrows(CudaUnavailableException.class, () -> Backends.decide(BackendChoice.CUDA, false, "no device"));
        assertTrue(e.getMessage().contains("no device"), e.getMessage());
    }

    @Test
    void withoutGpuAutoFallsBackToCpuWithOneNotice() {
        Assumptions.assumeFalse(CudaRuntime.available(), "a GPU answers here");
        List<String> notices = new ArrayList<>();
        try (Backend a = Backends.select("auto", 1, notices::add); Backend b = Backends.select("auto", 1, notices::add)) {
            assertEquals("cpu", a.name());
            assertEquals("cpu", b.name());
        }
        assertTrue(notices.size() <= 1, "the fallback notice must be printed at most once per process: " + notices);
        try (Backend c = Backends.select("cpu", 1, notices::add)) { assertEquals("cpu", c.name()); }
        CudaUnavailableException e = assertThrows(CudaUnavailableException.class, () -> Backends.select("cuda", 1, notices::add));
        assertTrue(e.getMessage().contains(CudaRuntime.reason()), e.getMessage());
    }
}
