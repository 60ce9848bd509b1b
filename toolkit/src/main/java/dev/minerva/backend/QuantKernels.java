package dev.minerva.backend;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Integer matmul kernels for Q8_0 and Q4_0 weights against activations already quantised to Q8_0
 * ({@code xq} int8 values, {@code xs} one f16-rounded scale per 32). Per block of 32:
 * int8 → int16 widening, int16 products (|q| ≤ 127 · 128 fits), pairwise widening into int32 lanes,
 * then one float FMA with the product of the two block scales. Widths follow the preferred species:
 * bytes at half the preferred bit size widen to shorts and ints at the full size (AVX2: 16 bytes →
 * 16 shorts → 2 × 8 ints; AVX-512: 32 → 32 → 2 × 16).
 */
final class QuantKernels {
    private QuantKernels() {}

    private static final int BITS = Math.max(128, FloatVector.SPECIES_PREFERRED.vectorBitSize());
    static final VectorSpecies<Byte> BS = VectorSpecies.of(byte.class, VectorShape.forBitSize(BITS / 2));
    static final VectorSpecies<Short> SS = VectorSpecies.of(short.class, VectorShape.forBitSize(BITS));
    static final VectorSpecies<Integer> IS = VectorSpecies.of(int.class, VectorShape.forBitSize(BITS));
    static final VectorSpecies<Float> FS = VectorSpecies.of(float.class, VectorShape.forBitSize(BITS));
    private static final int BL = Math.min(32, BS.length());
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    static void matmulQ8(float[] out, byte[] xq, float[] xs, MemorySegment w, int T, int n, int d, int r0, int r1) {
        int nb = d / 32;
        for (int r = r0; r < r1; r++) {
            long rowOff = (long) r * nb * 34;
            for (int t = 0; t < T; t++) out[t * n + r] = dotQ8(w, rowOff, xq, xs, t * d, nb);
        }
    }

    static void matmulQ4(float[] out, byte[] xq, float[] xs, MemorySegment w, int T, int n, int d, int r0, int r1) {
        int nb = d / 32;
        for (int r = r0; r < r1; r++) {
            long rowOff = (long) r * nb * 18;
            for (int t = 0; t < T; t++) out[t * n + r] = dotQ4(w, rowOff, xq, xs, t * d, nb);
        }
    }

    private static IntVector mulWiden(ByteVector a, ByteVector b) {
        ShortVector as = (ShortVector) a.convertShape(VectorOperators.B2S, SS, 0);
        ShortVector bs = (ShortVector) b.convertShape(VectorOperators.B2S, SS, 0);
        ShortVector p = as.mul(bs);
        return ((IntVector) p.convertShape(VectorOperators.S2I, IS, 0)).add((IntVector) p.convertShape(VectorOperators.S2I, IS, 1));
    }

    static float dotQ8(MemorySegment w, long rowOff, byte[] xq, float[] xs, int xOff, int nb) {
        FloatVector acc = FloatVector.zero(FS);
        for (int b = 0; b < nb; b++) {
            long o = rowOff + (long) b * 34;
            IntVector isum = IntVector.zero(IS);
            for (int j = 0; j < 32; j += BL) {
                ByteVector wb = ByteVector.fromMemorySegment(BS, w, o + 2 + j, LE);
                ByteVector xb = ByteVector.fromArray(BS, xq, xOff + b * 32 + j);
                isum = isum.add(mulWiden(wb, xb));
            }
            float scale = CpuBackend.f16(w, o) * xs[xOff / 32 + b];
            acc = ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(FS, scale), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    static float dotQ4(MemorySegment w, long rowOff, byte[] xq, float[] xs, int xOff, int nb) {
        FloatVector acc = FloatVector.zero(FS);
        for (int b = 0; b < nb; b++) {
            long o = rowOff + (long) b * 18;
            IntVector isum = IntVector.zero(IS);
            int xb0 = xOff + b * 32;
            for (int j = 0; j < 16; j += BL) {
                int len = Math.min(BL, 16);
                if (len < BL) {
                    // wide vectors: 16 packed bytes fill half a byte vector; fall back to the scalar block
                    isum = null;
                    break;
                }
                ByteVector packed = ByteVector.fromMemorySegment(BS, w, o + 2 + j, LE);
                ByteVector lo = packed.and((byte) 0x0F).sub((byte) 8);
                ByteVector hi = packed.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F).sub((byte) 8);
                isum = isum.add(mulWiden(lo, ByteVector.fromArray(BS, xq, xb0 + j)));
                isum = isum.add(mulWiden(hi, ByteVector.fromArray(BS, xq, xb0 + 16 + j)));
            }
            float scale = CpuBackend.f16(w, o) * xs[xOff / 32 + b];
            if (isum == null) {
                int s = 0;
                for (int j = 0; j < 16; j++) {
                    int q = w.get(ValueLayout.JAVA_BYTE, o + 2 + j) & 0xFF;
                    s += ((q & 0x0F) - 8) * xq[xb0 + j] + ((q >>> 4) - 8) * xq[xb0 + 16 + j];
                }
                acc = acc.add(FloatVector.zero(FS).withLane(0, s * scale));
            } else {
                acc = ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(FS, scale), acc);
            }
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }
}
