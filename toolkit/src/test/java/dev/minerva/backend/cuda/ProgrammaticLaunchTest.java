package dev.minerva.backend.cuda;

import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * What {@link ProgrammaticLaunch} builds for {@code cuLaunchKernelEx}, checked without a GPU: the struct offsets of
 * CUDA 12's {@code cuda.h}, the parameter array, and device addresses read out of JCuda pointers. The call itself
 * needs a GPU (gpu-check times the lean step with {@code -Dminerva.cuda.pdl=true}).
 */
class ProgrammaticLaunchTest {

    @Test
    void structLayoutsMatchCudaH() {
        assertEquals(56, ProgrammaticLaunch.CONFIG.byteSize());
        assertEquals(24, ProgrammaticLaunch.CONFIG.byteOffset(PathElement.groupElement("sharedMemBytes")));
        assertEquals(32, ProgrammaticLaunch.CONFIG.byteOffset(PathElement.groupElement("hStream")));
        assertEquals(40, ProgrammaticLaunch.CONFIG.byteOffset(PathElement.groupElement("attrs")));
        assertEquals(48, ProgrammaticLaunch.CONFIG.byteOffset(PathElement.groupElement("numAttrs")));
        assertEquals(72, ProgrammaticLaunch.ATTRIBUTE.byteSize());
        assertEquals(8, ProgrammaticLaunch.ATTRIBUTE.byteOffset(PathElement.groupElement("value")));
    }

    @Test
    void configCarriesGridStreamAndTheOneAttribute() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cfg = ProgrammaticLaunch.config(arena, 7, 3, 2, 128, 4096, 0x1234L);
            int[] want = {7, 3, 2, 128, 1, 1, 4096};
            for (int i = 0; i < want.length; i++) assertEquals(want[i], cfg.get(ValueLayout.JAVA_INT, 4L * i));
            assertEquals(0x1234L, cfg.get(ValueLayout.ADDRESS, 32).address());
            assertEquals(1, cfg.get(ValueLayout.JAVA_INT, 48));
            MemorySegment attr = cfg.get(ValueLayout.ADDRESS, 40).reinterpret(72);
            assertEquals(ProgrammaticLaunch.ATTR_PROGRAMMATIC_STREAM_SERIALIZATION, attr.get(ValueLayout.JAVA_INT, 0));
            assertEquals(1, attr.get(ValueLayout.JAVA_INT, 8));
        }
    }

    @Test
    void paramsPointAtEachValueInItsPtxWidth() {
        CUdeviceptr base = new CUdeviceptr();                          // address 0 until allocated
        Object[] args = {base.withByteOffset(4096), 7, 123456789012L, 2.5f, null};
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment params = ProgrammaticLaunch.packParams(arena, args);
            MemorySegment[] slot = new MemorySegment[args.length];
            for (int i = 0; i < args.length; i++) slot[i] = params.getAtIndex(ValueLayout.ADDRESS, i).reinterpret(8);
            assertEquals(4096L, slot[0].get(ValueLayout.JAVA_LONG, 0), "a device pointer's byte offset is part of its address");
            assertEquals(7, slot[1].get(ValueLayout.JAVA_INT, 0));
            assertEquals(123456789012L, slot[2].get(ValueLayout.JAVA_LONG, 0));
            assertEquals(2.5f, slot[3].get(ValueLayout.JAVA_FLOAT, 0));
            assertEquals(0L, slot[4].get(ValueLayout.JAVA_LONG, 0));
            assertThrows(IllegalArgumentException.class, () -> ProgrammaticLaunch.packParams(arena, new Object[]{"x"}));
        }
    }
}
