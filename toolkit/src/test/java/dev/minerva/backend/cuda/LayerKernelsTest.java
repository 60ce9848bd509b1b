package dev.minerva.backend.cuda;

import dev.minerva.tensor.DType;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The host rules of {@link LayerKernels} that need no GPU: shared-memory sizes and the grid-cap property. */
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
    void pdlIsOffUnlessToldAndOnlyTrueOrFalse() {
        String before = System.getProperty("minerva.cuda.pdl");
        try {
            System.clearProperty("minerva.cuda.pdl");
            assertEquals(false, LayerKernels.configuredPdl());
            System.setProperty("minerva.cuda.pdl", " TRUE ");
            assertEquals(true, LayerKernels.configuredPdl());
            System.setProperty("minerva.cuda.pdl", "yes");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, LayerKernels::configuredPdl);
            assertTrue(e.getMessage().contains("minerva.cuda.pdl") && e.getMessage().contains("'yes'"), e.getMessage());
        } finally {
            if (before == null) System.clearProperty("minerva.cuda.pdl");
            else System.setProperty("minerva.cuda.pdl", before);
        }
    }

    @Test
    void blocksPerSmPropertyIsCheckedAndNamed() {
        String before = System.getProperty("minerva.cuda.layerBlocksPerSm");
        try {
            System.clearProperty("minerva.cuda.layerBlocksPerSm");
            assertEquals(0, LayerKernels.configuredBlocksPerSm());
            System.setProperty("minerva.cuda.layerBlocksPerSm", " 4 ");
            assertEquals(4, LayerKernels.configuredBlocksPerSm());
            for (String bad : new String[]{"-1", "many", ""}) {
                System.setProperty("minerva.cuda.layerBlocksPerSm", bad);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, LayerKernels::configuredBlocksPerSm);
                assertTrue(e.getMessage().contains("minerva.cuda.layerBlocksPerSm") && e.getMessage().contains("'" + bad + "'"), e.getMessage());
            }
        } finally {
            if (before == null) System.clearProperty("minerva.cuda.layerBlocksPerSm");
            else System.setProperty("minerva.cuda.layerBlocksPerSm", before);
        }
    }
}
