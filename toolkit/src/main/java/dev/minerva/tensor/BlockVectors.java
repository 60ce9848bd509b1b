package dev.minerva.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Vector API pieces of the block codecs' dequantisers: int8 or packed 4-bit values to floats times a
 * block scale. Each float is the same single product {@code q * d} as the scalar loop computes, so
 * both paths give identical values; only 256-bit machines take this path (narrower ones would
 * emulate the 8-lane float species).
 */
final class BlockVectors {
    private BlockVectors() {}

    static final boolean ENABLED = FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 256;

    private static final VectorSpecies<Byte> B8 = ByteVector.SPECIES_64;
    private static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;
    private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** {@code dst[off..off+8) = int8 at src[o..o+8) * d}. */
    static void bytesToFloats(MemorySegment src, long o, float d, float[] dst, int off) {
        ((FloatVector) ByteVector.fromMemorySegment(B8, src, o, LE).convertShape(VectorOperators.B2F, F8, 0)).mul(d).intoArray(dst, off);
    }

    /** {@code dst[off..off+8) = q[qOff..qOff+8) * d}. */
    static void bytesToFloats(byte[] q, int qOff, float d, float[] dst, int off) {
        ((FloatVector) ByteVector.fromArray(B8, q, qOff).convertShape(VectorOperators.B2F, F8, 0)).mul(d).intoArray(dst, off);
    }

    /** One Q4_0 block's 16 packed bytes: {@code dst[off+j] = (lo nibble j - 8) * d}, {@code dst[off+16+j] = (hi nibble j - 8) * d}. */
    static void nibblesToFloats(MemorySegment src, long o, float d, float[] dst, int off) {
        ByteVector packed = ByteVector.fromMemorySegment(B16, src, o, LE);
        ByteVector lo = packed.and((byte) 0x0F).sub((byte) 8);
        ByteVector hi = packed.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F).sub((byte) 8);
        ((FloatVector) lo.convertShape(VectorOperators.B2F, F8, 0)).mul(d).intoArray(dst, off);
        ((FloatVector) lo.convertShape(VectorOperators.B2F, F8, 1)).mul(d).intoArray(dst, off + 8);
        ((FloatVector) hi.convertShape(VectorOperators.B2F, F8, 0)).mul(d).intoArray(dst, off + 16);
        ((FloatVector) hi.convertShape(VectorOperators.B2F, F8, 1)).mul(d).intoArray(dst, off + 24);
    }
}
