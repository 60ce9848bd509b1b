package dev.minerva.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Vector API pieces of the block codecs: the dequantisers (int8 or packed 4-bit values to floats times a
 * block scale) and the Q8_0 quantiser of activations. Each value is computed by the same float operations
 * as the scalar loop ({@code q * d}; {@code round(x * (1/d))} half away from zero), so both paths give
 * identical values; only 256-bit machines take this path (narrower ones would emulate the 8-lane float
 * species).
 */
final class BlockVectors {
    private BlockVectors() {}

    static final boolean ENABLED = FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 256;

    private static final VectorSpecies<Byte> B8 = ByteVector.SPECIES_64;
    private static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;
    private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    private static final VectorSpecies<Integer> I8 = IntVector.SPECIES_256;
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

    /**
     * One Q8_0 block of activations, {@code src[base..base+32)}: writes {@code q[base..base+32)} and returns the
     * unrounded scale {@code max|x| / 127}. The scalar loop spent about 10 ns a value (the branch of its rounding
     * mispredicts on random signs), a noticeable share of every quantised matmul's time; this is the same
     * arithmetic eight lanes at a time.
     */
    static float quantizeQ8Block(float[] src, int base, byte[] q) {
        FloatVector v0 = FloatVector.fromArray(F8, src, base), v1 = FloatVector.fromArray(F8, src, base + 8);
        FloatVector v2 = FloatVector.fromArray(F8, src, base + 16), v3 = FloatVector.fromArray(F8, src, base + 24);
        float amax = v0.abs().max(v1.abs()).max(v2.abs().max(v3.abs())).reduceLanes(VectorOperators.MAX);
        float d = amax / 127f, id = d != 0 ? 1f / d : 0f;
        ((ByteVector) roundHalfAway(v0.mul(id)).convertShape(VectorOperators.I2B, B8, 0)).intoArray(q, base);
        ((ByteVector) roundHalfAway(v1.mul(id)).convertShape(VectorOperators.I2B, B8, 0)).intoArray(q, base + 8);
        ((ByteVector) roundHalfAway(v2.mul(id)).convertShape(VectorOperators.I2B, B8, 0)).intoArray(q, base + 16);
        ((ByteVector) roundHalfAway(v3.mul(id)).convertShape(VectorOperators.I2B, B8, 0)).intoArray(q, base + 24);
        return d;
    }

    /**
     * Rounds to the nearest integer, ties away from zero, exactly as {@code v < 0 ? -Math.round(-v) : Math.round(v)}
     * for |v| < 2^23: truncate, then step away from zero when the dropped fraction (exact: {@code v - trunc(v)} is
     * representable) is at least one half.
     */
    private static IntVector roundHalfAway(FloatVector v) {
        IntVector t = (IntVector) v.convert(VectorOperators.F2I, 0);
        FloatVector frac = v.sub((FloatVector) t.convert(VectorOperators.I2F, 0));
        VectorMask<Integer> away = frac.abs().compare(VectorOperators.GE, 0.5f).cast(I8);
        IntVector step = IntVector.broadcast(I8, 1).blend(-1, v.compare(VectorOperators.LT, 0f).cast(I8));
        return t.add(step, away);
    }
}
