package dev.minerva.backend.cuda;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The no-GPU verdict (what CI sees): cached, with a reason, and no context can be opened. */
class CudaRuntimeTest {

    @Test
    void verdictIsCachedWithAReason() {
        CudaRuntime.Verdict first = CudaRuntime.verdict();
        CudaRuntime.Verdict second = CudaRuntime.verdict();
        assertSame(first, second, "the verdict must be probed once and cached");
        assertNotNull(first.reason());
        assertFalse(first.reason().isBlank());
        assertEquals(first.available(), CudaRuntime.available());
    }

    @Test
    void withoutGpuEveryEntryFailsWithTheReason() {
        Assumptions.assumeFalse(CudaRuntime.available(), "a GPU answers here; this test covers machines without one");
        String reason = CudaRuntime.reason();
        assertNotEquals("ok", reason);
        CudaUnavailableException e = assertThrows(CudaUnavailableException.class, () -> CudaContext.open(0));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
        // a second attempt must give the same, informative reason (not a bare NoClassDefFoundError)
        CudaUnavailableException e2 = assertThrows(CudaUnavailableException.class, CudaRuntime::require);
        assertEquals(e.getMessage(), e2.getMessage());
    }
}
