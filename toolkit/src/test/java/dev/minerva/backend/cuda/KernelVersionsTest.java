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

    @Test void mmaUnlessTold() {
        assertEquals(TensorCoreGemm.MMA, with(null));
        assertEquals(TensorCoreGemm.WMMA, with(" WMMA "));
        assertEquals(TensorCoreGemm.MMA64, with("mma64"));
        assertEquals("gemm_bf16_mma", TensorCoreGemm.MMA.kernel(true));
        assertEquals("gemm_f16_wmma", TensorCoreGemm.WMMA.kernel(false));
        assertEquals("gemm_f16_mma64", TensorCoreGemm.MMA64.kernel(false));
    }

    @Test void unknownVersionNamesTheProperty() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> with("wgmma"));
        assertTrue(e.getMessage().contains("minerva.cuda.gemm") && e.getMessage().contains("wgmma"), e.getMessage());
    }

    @Test void decoderStepIsFusedUnlessTold() {
        assertEquals(CudaDecoder.Step.FUSED, with("minerva.cuda.decoder", null, CudaDecoder.Step::configured));
        assertEquals(CudaDecoder.Step.PLAIN, with("minerva.cuda.decoder", "Plain", CudaDecoder.Step::configured));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> with("minerva.cuda.decoder", "graph", CudaDecoder.Step::configured));
        assertTrue(e.getMessage().contains("minerva.cuda.decoder"), e.getMessage());
    }

    @Test void gemvIsV1UnlessToldAndV4OnlyUpTo8Rows() {
        assertEquals(GemvKernel.V1, with("minerva.cuda.gemv", null, GemvKernel::configured));
        assertEquals(GemvKernel.V4, with("minerva.cuda.gemv", " V4 ", GemvKernel::configured));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> with("minerva.cuda.gemv", "v2", GemvKernel::configured));
        assertTrue(e.getMessage().contains("minerva.cuda.gemv") && e.getMessage().contains("v2"), e.getMessage());
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            dev.minerva.tensor.Tensor q8 = dev.minerva.tensor.TensorCodec.convert(dev.minerva.tensor.Tensor.ofF32("w", new float[64], 2, 32),
                    dev.minerva.tensor.DType.Q8_0, arena);
            assertEquals("gemv_q8_0_v4_nb4", CudaBackend.gemvEntry("gemv", q8, GemvKernel.V4.infix(3), 3, 32));
            assertEquals("gemv_q8_0_nb16", CudaBackend.gemvEntry("gemv", q8, GemvKernel.V4.infix(9), 9, 32), "no v4 above 8 rows");
            assertEquals("gemv3_q8_0_nb8", CudaBackend.gemvEntry("gemv3", q8, GemvKernel.V1.infix(8), 8, 8));
        }
    }

    @Test void gemmMinRowsIsEightUnlessTold() {
        assertEquals(8, with("minerva.cuda.gemmMinRows", null, CudaBackend::configuredGemmMinRows));
        assertEquals(17, with("minerva.cuda.gemmMinRows", " 17 ", CudaBackend::configuredGemmMinRows));
        for (String bad : new String[]{"0", "eight"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> with("minerva.cuda.gemmMinRows", bad, CudaBackend::configuredGemmMinRows));
            assertTrue(e.getMessage().contains("minerva.cuda.gemmMinRows") && e.getMessage().contains(bad), e.getMessage());
        }
    }

    @Test void prefillAttentionIsMmaUnlessTold() {
        assertEquals(PrefillAttention.MMA, with("minerva.cuda.attention", null, PrefillAttention::configured));
        assertEquals(PrefillAttention.F32, with("minerva.cuda.attention", "F32", PrefillAttention::configured));
        assertEquals("attn_prefill_mma", PrefillAttention.MMA.kernel);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> with("minerva.cuda.attention", "flash3", PrefillAttention::configured));
        assertTrue(e.getMessage().contains("minerva.cuda.attention") && e.getMessage().contains("flash3"), e.getMessage());
    }
}
