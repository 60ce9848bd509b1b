package dev.minerva.backend.cuda;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** Size classes of the caching allocator (the allocation itself needs a GPU). */
class DeviceMemoryPoolTest {
    @Test
    void sizeClasses() {
        assertEquals(256, DeviceMemoryPool.sizeClass(0));
        assertEquals(256, DeviceMemoryPool.sizeClass(1));
        assertEquals(256, DeviceMemoryPool.sizeClass(256));
        assertEquals(512, DeviceMemoryPool.sizeClass(257));
        assertEquals(1 << 20, DeviceMemoryPool.sizeClass((1 << 20) - 5));
        assertEquals(2L << 20, DeviceMemoryPool.sizeClass((1 << 20) + 1));
        assertEquals(4L << 20, DeviceMemoryPool.sizeClass((2L << 20) + 1));
        for (long b = 1; b < (64L << 20); b = b * 3 + 7) {
            long c = DeviceMemoryPool.sizeClass(b);
            assertTrue(c >= b && c < 2 * b + 256 + (2L << 20), "class " + c + " for " + b);
        }
    }
}
