package dev.minerva.backend.cuda;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Launch arguments are checked against the PTX parameter lists before anything reaches the driver. */
class KernelArgsTest {

    @Test
    void parsesParameterListsOfEveryEntry() {
        Assumptions.assumeTrue(PtxResources.present(), "no PTX in this build");
        for (String file : PtxResources.FILES) {
            String ptx = PtxResources.text(file, 90);
            for (String entry : PtxResources.entries(ptx)) {
                List<String> p = PtxResources.params(ptx, entry);
                assertNotNull(p, file + ":" + entry);
                assertFalse(p.isEmpty(), file + ":" + entry + " has no parameters parsed");
            }
        }
        String gemv = PtxResources.text("gemv", 90);
        assertEquals(List.of("u64", "u64", "u64", "u64", "u32", "u32", "u32", "u32"), PtxResources.params(gemv, "gemv_q8_0_nb1"));
        assertEquals(List.of("u64", "u64", "u32", "u64"), PtxResources.params(gemv, "splitk_reduce_f32"));
        String att = PtxResources.text("attention", 90);
        // q, k, v, slots, lens, slot_stride(long long), n_heads, n_kv_heads, head_dim, scale, chunk, partial_o, partial_ml
        assertEquals(List.of("u64", "u64", "u64", "u64", "u64", "u64", "u32", "u32", "u32", "f32", "u32", "u64", "u64"),
                PtxResources.params(att, "attn_decode_split_f32"));
        assertNull(PtxResources.params(att, "no_such_kernel"));
        // layer.cu: values, scales, x, y, then rows, K, nb and prefetch (what LayerKernels.residual passes)
        assertEquals(List.of("u64", "u64", "u64", "u64", "u32", "u32", "u32", "u32"), PtxResources.params(PtxResources.text("layer", 90), "residual_q8_0_nb1"));
    }

    @Test
    void rejectsMismatchedArguments() {
        List<String> sig = List.of("u64", "u64", "u32", "f32");
        Kernel.checkArgs("k.cu:f", sig, new Object[]{null, 5L, 3, 1.5f});          // ok
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Kernel.checkArgs("k.cu:f", sig, new Object[]{null, 5, 3, 1.5f}));  // int for a 64-bit parameter
        assertTrue(e.getMessage().contains("k.cu:f argument 1 is .u64") && e.getMessage().contains("Integer"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Kernel.checkArgs("k.cu:f", sig, new Object[]{null, 5L, 3L, 1.5f}));
        assertTrue(e.getMessage().contains("argument 2 is .u32"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Kernel.checkArgs("k.cu:f", sig, new Object[]{null, 5L, 3, 1.5}));
        assertTrue(e.getMessage().contains("argument 3 is .f32") && e.getMessage().contains("Double"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Kernel.checkArgs("k.cu:f", sig, new Object[]{null, 5L, 3}));
        assertTrue(e.getMessage().contains("takes 4 arguments"), e.getMessage());
    }
}
