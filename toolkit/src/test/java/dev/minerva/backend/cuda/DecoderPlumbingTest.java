package dev.minerva.backend.cuda;

import dev.minerva.engine.Sampler;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The host-side pieces of {@link CudaGeneration} that need no GPU: which samplers the device takes, and the views
 * {@link CudaDecoder#kvCache()} makes of its cache (addresses and bounds; the memory itself needs a GPU).
 */
class DecoderPlumbingTest {
    @Test
    void deviceSamplingMirrorsTheSampler() {
        assertSame(CudaDecoder.Sampling.GREEDY, CudaDecoder.Sampling.of(Sampler.greedy()));
        assertSame(CudaDecoder.Sampling.GREEDY, CudaDecoder.Sampling.of(new Sampler(0, 40, 0.5f, 0.1f, 9)), "temperature 0 is greedy whatever the filters");
        assertEquals(new CudaDecoder.Sampling(0.8f, 40, 0.9f, 1234), CudaDecoder.Sampling.of(new Sampler(0.8f, 40, 0.9f, 0, 1234)));
        assertNull(CudaDecoder.Sampling.of(new Sampler(0.8f, 0, 1, 0.05f, 1)), "min-p has no device version: the host samples");
        assertThrows(IllegalArgumentException.class, () -> new CudaDecoder.Sampling(0.8f, 0, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new CudaDecoder.Sampling(-1, 0, 1, 1));
    }

    @Test
    void generatePathIsDecoderUnlessToldAndOnlyDecoderOrOps() {
        assertEquals(CudaGeneration.Path.DECODER, KernelVersionsTest.with("minerva.cuda.generate", null, CudaGeneration.Path::configured));
        assertEquals(CudaGeneration.Path.OPS, KernelVersionsTest.with("minerva.cuda.generate", " Ops ", CudaGeneration.Path::configured));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KernelVersionsTest.with("minerva.cuda.generate", "op", CudaGeneration.Path::configured));
        assertTrue(e.getMessage().contains("minerva.cuda.generate") && e.getMessage().contains("decoder or ops") && e.getMessage().contains("'op'"), e.getMessage());
    }

    @Test
    void cacheSlotViewsAreOffsetsIntoTheirBuffer() {
        DeviceBuffer cache = new DeviceBuffer(new DevicePointer(), 4096, 4096, "key cache");   // address 0 until allocated
        DeviceBuffer slot = cache.view(1024, 512, "key cache layer 0 slot 2");
        assertEquals(cache.address() + 1024, slot.address());
        assertEquals(512, slot.bytes());
        assertEquals(cache.address() + 1032, slot.view(8, 16, "a view of a view").address(), "offsets add up");
        assertThrows(IndexOutOfBoundsException.class, () -> cache.view(4000, 512, "past the end"));
        assertThrows(IndexOutOfBoundsException.class, () -> cache.view(-4, 8, "before the start"));
        assertEquals(cache.address() + 4096, cache.view(4096, 0, "empty at the end").address());
    }
}
