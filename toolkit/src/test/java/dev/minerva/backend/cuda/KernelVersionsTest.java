package dev.minerva.backend.cuda;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Choosing the kernel versions kept side by side (the tensor-core GEMM, the decoder's step) by system property;
 * that every version's entry points are in the PTX is PtxResourcesTest's job.
 */
class KernelVersionsTest {

    private static <T> T with(String property, String value, java.util.function.Supplier<T> read) {
        String old = System.getProperty(property);
        try {
            if (value == null) System.clearProperty(property);
            else System.setProperty(property, value);
            return read.get();
        } finally {
            if (old == null) System.clearProperty(property);
            else System.setProperty(property, old);
        }
    }

    private static TensorCoreGemm with(String value) { return with("minerva.cuda.gemm", value, TensorCoreGemm::configured); }

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

    @Test void decoderStepIsPlainUnlessTold() {
        assertEquals(CudaDecoder.Step.PLAIN, with("minerva.cuda.decoder", null, CudaDecoder.Step::configured));
        assertEquals(CudaDecoder.Step.FUSED, with("minerva.cuda.decoder", "Fused", CudaDecoder.Step::configured));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> with("minerva.cuda.decoder", "graph", CudaDecoder.Step::configured));
        assertTrue(e.getMessage().contains("minerva.cuda.decoder"), e.getMessage());
    }
}
