package dev.minerva.backend;

import dev.minerva.tensor.DType;
import dev.minerva.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** What {@link CpuBackend#load} hands its kernels: one segment class, over the caller's bytes. */
class CpuBackendLoadTest {
    @Test
    void mappedMatrixBecomesANativeViewOfTheSameBytes(@TempDir Path dir) throws Exception {
        float[] values = new float[6 * 8];
        for (int i = 0; i < values.length; i++) values[i] = i * 0.5f - 3;
        Path file = dir.resolve("w.bin");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment src = a.allocate(values.length * 4L);
            MemorySegment.copy(values, 0, src, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, values.length);
            Files.write(file, src.toArray(ValueLayout.JAVA_BYTE));
        }
        try (Arena arena = Arena.ofConfined(); FileChannel ch = FileChannel.open(file); CpuBackend b = new CpuBackend(1)) {
            MemorySegment mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, values.length * 4L, arena);
            Tensor w = Tensor.of("w", DType.F32, new long[]{6, 8}, mapped);
            Tensor loaded = b.load(w);

            MemorySegment s = loaded.data();
            assertFalse(s.isMapped(), "the kernels should see a plain native segment");
            assertTrue(s.isNative());
            assertTrue(s.isReadOnly(), "a read-only mapping stays read-only");
            assertEquals(mapped.address(), s.address(), "same bytes, not a copy");
            assertEquals(mapped.byteSize(), s.byteSize());
            assertEquals(mapped.scope(), s.scope(), "the view lives as long as the mapping");
            assertArrayEquals(values, s.toArray(ValueLayout.JAVA_FLOAT));

            // and the kernels compute the same product through it
            Tensor x = b.allocate("x", 1, 8), viaView = b.allocate("o1", 1, 6), viaMapping = b.allocate("o2", 1, 6);
            b.write(x, new float[]{1, -2, 3, -4, 5, -6, 7, -8});
            b.matmul(viaView, x, loaded);
            b.matmul(viaMapping, x, w);
            assertArrayEquals(b.read(viaMapping, 0, 1), b.read(viaView, 0, 1));
        }
    }

    @Test
    void nativeAndHeapMatricesAreLeftAsTheyAre() {
        try (Arena arena = Arena.ofConfined(); CpuBackend b = new CpuBackend(1)) {
            Tensor nat = Tensor.allocate(arena, "n", DType.Q8_0, 4, 32);
            assertSame(nat, b.load(nat));
            Tensor heap = Tensor.ofF32("h", new float[8], 2, 4);
            assertSame(heap, b.load(heap));
        }
    }
}
