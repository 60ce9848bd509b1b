package dev.minerva.backend.cuda;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** Choosing the tensor-core GEMM version; that every version's entry points are in the PTX is PtxResourcesTest's job. */
class TensorCoreGemmTest {

    private static TensorCoreGemm with(String value) {
        String old = System.getProperty("minerva.cuda.gemm");
        try {
            if (value == null) System.clearProperty("minerva.cuda.gemm");
            else System.setProperty("minerva.cuda.gemm", value);
            return TensorCoreGemm.configured();
        } finally {
            if (old == null) System.clearProperty("minerva.cuda.gemm");
            else System.setProperty("minerva.cuda.gemm", old);
        }
    }

    @Test void wmmaUnlessTold() {
        assertEquals(TensorCoreGemm.WMMA, with(null));
        assertEquals(TensorCoreGemm.MMA, with(" MMA "));
        assertEquals(TensorCoreGemm.MMA64, with("mma64"));
        assertEquals("gemm_bf16_mma", TensorCoreGemm.MMA.kernel(true));
        assertEquals("gemm_f16_wmma", TensorCoreGemm.WMMA.kernel(false));
        assertEquals("gemm_f16_mma64", TensorCoreGemm.MMA64.kernel(false));
    }

    @Test void unknownVersionNamesTheProperty() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> with("wgmma"));
        assertTrue(e.getMessage().contains("minerva.cuda.gemm") && e.getMessage().contains("wgmma"), e.getMessage());
    }
}
