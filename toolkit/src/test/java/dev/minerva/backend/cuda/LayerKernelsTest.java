package dev.minerva.backend.cuda;

import dev.minerva.tensor.DType;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.function.Supplier;

import static dev.minerva.backend.cuda.KernelVersionsTest.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The host rules of {@link LayerKernels} that need no GPU: shared-memory sizes and its properties (grid cap, PDL, prefetch). */
class LayerKernelsTest {

    @Test
    void stagedActivationBytesFollowLayerCuHeader() {
        // f32 staging: nb * K floats with the norm prologue, nothing for residual_ (x read from global)
        assertEquals(4L * 8 * 2048, LayerKernels.smemBytes(DType.F16, true, 8, 2048));
        assertEquals(0, LayerKernels.smemBytes(DType.BF16, false, 8, 2048));
        assertEquals(3L * 800 + 3L * (800 / 32) * 4, LayerKernels.smemBytes(DType.Q4_0, true, 3, 800));
        // q8_0 and q4_0 (dp4a): int8 values then one f32 scale per 32, with or without the norm
        assertEquals(8L * 5632 + 8L * (5632 / 32) * 4, LayerKernels.smemBytes(DType.Q8_0, false, 8, 5632));
        assertEquals(LayerKernels.smemBytes(DType.Q8_0, false, 2, 2048), LayerKernels.smemBytes(DType.Q8_0, true, 2, 2048));
        // TinyLlama at 8 rows fits an H100's 227 KB per block
        assertTrue(LayerKernels.smemBytes(DType.F16, true, 8, 2048) <= 227 * 1024);
    }

    @Test
    void pdlAndPrefetchAreOffUnlessToldAndOnlyTrueOrFalse() {
        Map<String, Supplier<Boolean>> flags = Map.of("minerva.cuda.pdl", LayerKernels::configuredPdl,
                "minerva.cuda.layerPrefetch", LayerKernels::configuredPrefetch);
        flags.forEach((name, read) -> {
            assertEquals(false, with(name, null, read));
            assertEquals(true, with(name, " TRUE ", read));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> with(name, "yes", read));
            assertTrue(e.getMessage().contains(name) && e.getMessage().contains("'yes'"), e.getMessage());
        });
    }

    @Test
    void blocksPerSmPropertyIsCheckedAndNamed() {
        assertEquals(0, with("minerva.cuda.layerBlocksPerSm", null, LayerKernels::configuredBlocksPerSm));
        assertEquals(4, with("minerva.cuda.layerBlocksPerSm", " 4 ", LayerKernels::configuredBlocksPerSm));
        for (String bad : new String[]{"-1", "many", ""}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> with("minerva.cuda.layerBlocksPerSm", bad, LayerKernels::configuredBlocksPerSm));
            assertTrue(e.getMessage().contains("minerva.cuda.layerBlocksPerSm") && e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
    }
}
