package dev.minerva.backend.cuda;

import dev.minerva.tensor.DType;
import dev.minerva.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;

import static org.junit.jupiter.api.Assertions.*;

/** When CudaDecoder's fused step may use the fused GEMVs: same non-F32 dtype, K % 32 == 0, batch 1..8. */
class FusedGemvSelectionTest {

    @Test void appliesOnlyWhereTheKernelsExist() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor q8 = Tensor.allocate(arena, "wq", DType.Q8_0, 64, 128), k8 = Tensor.allocate(arena, "wk", DType.Q8_0, 32, 128);
            Tensor f16 = Tensor.allocate(arena, "wv", DType.F16, 32, 128), f32 = Tensor.allocate(arena, "wf", DType.F32, 32, 128);
            Tensor odd = Tensor.allocate(arena, "wo", DType.F16, 32, 48);
            assertTrue(CudaBackend.fusedGemvApplies(1, 128, q8, k8, k8));
            assertTrue(CudaBackend.fusedGemvApplies(8, 128, q8, k8));
            assertFalse(CudaBackend.fusedGemvApplies(9, 128, q8, k8), "batch above the largest bucket");
            assertFalse(CudaBackend.fusedGemvApplies(0, 128, q8, k8), "empty batch");
            assertFalse(CudaBackend.fusedGemvApplies(1, 128, q8, k8, f16), "mixed dtypes (a precision plan)");
            assertFalse(CudaBackend.fusedGemvApplies(1, 128, f32, f32), "F32 weights");
            assertFalse(CudaBackend.fusedGemvApplies(1, 48, odd, odd), "K not a multiple of 32");
            assertFalse(CudaBackend.fusedGemvApplies(1, 256, q8, k8), "K that is not the matrices' width");
        }
    }
}
