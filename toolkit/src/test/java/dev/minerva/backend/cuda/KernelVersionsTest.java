package dev.minerva.backend.cuda;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Choosing the kernel versions kept side by side (the tensor-core GEMM, the decoder's step) by system property;
 * that every version's entry points are in the PTX is PtxResourcesTest's job.
 */
class KernelVersionsTest {

    static <T> T with(String property, String value, java.util.function.Supplier<T> read) {
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
        assertEquals(CudaDecoder.Step.LEAN, with("minerva.cuda.decoder", "lean", CudaDecoder.Step::configured));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> with("minerva.cuda.decoder", "graph", CudaDecoder.Step::configured));
        assertTrue(e.getMessage().contains("minerva.cuda.decoder"), e.getMessage());
    }

    @Test void gemvIsAutoUnlessToldAndNewerVersionsOnlyUpTo8Rows() {
        assertEquals(GemvKernel.AUTO, with("minerva.cuda.gemv", null, GemvKernel::configured));
        assertEquals(GemvKernel.V4, with("minerva.cuda.gemv", " V4 ", GemvKernel::configured));
        assertEquals(GemvKernel.DP4A, with("minerva.cuda.gemv", "dp4a", GemvKernel::configured));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> with("minerva.cuda.gemv", "v2", GemvKernel::configured));
        assertTrue(e.getMessage().contains("minerva.cuda.gemv") && e.getMessage().contains("v2"), e.getMessage());
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            dev.minerva.tensor.Tensor f32 = dev.minerva.tensor.Tensor.ofF32("w", new float[64], 2, 32);
            dev.minerva.tensor.Tensor q8 = dev.minerva.tensor.TensorCodec.convert(f32, dev.minerva.tensor.DType.Q8_0, arena);
            dev.minerva.tensor.Tensor f16 = dev.minerva.tensor.TensorCodec.convert(f32, dev.minerva.tensor.DType.F16, arena);
            assertEquals("gemv_q8_0_v4_nb4", CudaBackend.gemvEntry("gemv", q8, GemvKernel.V4.infix(3, q8.dtype()), 3, 32));
            assertEquals("gemv_q8_0_nb16", CudaBackend.gemvEntry("gemv", q8, GemvKernel.V4.infix(9, q8.dtype()), 9, 32), "no v4 above 8 rows");
            assertEquals("gemv3_q8_0_dp4a_nb8", CudaBackend.gemvEntry("gemv3", q8, GemvKernel.DP4A.infix(8, q8.dtype()), 8, 8));
            assertEquals("gemv_f16_v4_nb1", CudaBackend.gemvEntry("gemv", f16, GemvKernel.DP4A.infix(1, f16.dtype()), 1, 32), "dp4a is for quantised weights only");
            dev.minerva.tensor.Tensor q4 = dev.minerva.tensor.TensorCodec.convert(f32, dev.minerva.tensor.DType.Q4_0, arena);
            assertEquals("gemv_q4_0_dp4a_nb4", CudaBackend.gemvEntry("gemv", q4, GemvKernel.DP4A.infix(3, q4.dtype()), 3, 32));
            assertEquals("gemv_q4_0_nb4", CudaBackend.gemvEntry("gemv", q4, GemvKernel.AUTO.infix(3, q4.dtype()), 3, 32), "auto keeps the measured v1 for Q4_0");
            assertEquals("gemv_f16_v4_nb2", CudaBackend.gemvEntry("gemv", f16, GemvKernel.AUTO.infix(2, f16.dtype()), 2, 32));
            assertEquals("gemv_q8_0_dp4a_nb2", CudaBackend.gemvEntry("gemv", q8, GemvKernel.AUTO.infix(2, q8.dtype()), 2, 32));
            assertEquals("gemv_q8_0_nb2", CudaBackend.gemvEntry("gemv", q8, GemvKernel.V1.infix(2, q8.dtype()), 2, 32));
        }
    }

    @Test void gemmMinRowsIsSixteenUnlessTold() {
        assertEquals(16, with("minerva.cuda.gemmMinRows", null, CudaBackend::configuredGemmMinRows));
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
