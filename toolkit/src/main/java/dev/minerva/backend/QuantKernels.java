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
 * int8 → int16 widening, int16 products, widening into int32 lanes, then one float FMA with the
 * product of the two block scales. Widths follow the preferred species: bytes at half the preferred
 * bit size widen to shorts and ints at the full size (AVX2: 16 bytes → 16 shorts → 2 × 8 ints;
 * AVX-512: 32 → 32 → 2 × 16).
 *
 * <p>Two int16 products are summed before widening when a block takes two halves: quantised values
 * lie in [-127, 127] (both quantisers round {@code x / (max/127)}), so a pair sum stays below 32767.
 *
 * <p>On 256-bit machines decode uses the {@code *Wide} kernels (measured 1.4x / 1.5x faster for
 * Q8_0 / Q4_0 single-threaded): the activations are widened to int16 once per matmul instead of once
 * per weight row, adjacent int16 lanes are summed into int32 with shifts on the reinterpreted vector
 * (no cross-lane conversion), and two blocks run per iteration into two accumulators. Q4_0 nibbles are
 * zero-extended and multiplied unsigned; the -8 offset is one int32 vector subtraction per block, from
 * corrections computed once per matmul ({@link #q4Corrections}). Against the previous Q4_0 kernel
 * (sign-extend then mask, a float correction summed per block, a loop C2 did not count) this measured
 * 1.30-1.38x single-threaded (a throwaway probe timing both kernels interleaved in one JVM, 4096 x 768 and
 * 5632 x 2048); subtracting 8 from the nibbles as
 * int16 instead measured 0.7x.
 *
 * <p>Tried and measured slower (KernelAB, single thread, 5632 x 2048 Q8_0, 10.8-11.2 GB/s for the shipped
 * kernel): two rows per pass sharing the activation loads, one block per iteration (7.7-9.6 GB/s); two
 * rows x two blocks or four rows x one block (2.9-3.5 GB/s: the bodies pass C2's inlining node budget,
 * NodeCountInliningCutoff, and the vector helpers are no longer inlined, so their vectors are boxed);
 * float dequantisation with FMAs (9.1 GB/s); subtracting 8 from Q4_0 nibbles in int16 (0.7x). The Vector API has no pmaddwd/pmaddubsw, which is where
 * C int8 kernels get their edge.
 *
 * <p>Also tried: the block scales gathered at load into one contiguous f16 array per matrix, each row's combined
 * scales converted eight per vector before its block loop (the in-loop f16 load and scalar conversion are about a
 * third of a block's cost: without scales at all the kernel ran 1.4x faster). One thread gained 5-10 %, but two
 * threads with the matrix in DRAM (8 copies of 5632 x 2048 cycled, WorkerPool, interleaved) lost 20 %: 20.6-21.9
 * GB/s best for this kernel against 15.3-18.1 with the extra scale stream, and TinyLlama decode showed no
 * consistent gain, so the 69 MB it costs TinyLlama Q8_0 bought nothing.
 *
 * <p>Against a native AVX2 kernel with pmaddubsw/pmaddwd ({@code toolkit/scripts/matvec-vs-c.sh}, same run, two
 * threads) these kernels run at 0.51-0.72 of its GB/s (Q8_0 14.3 against 22.7 at 14336 x 4096; engine paper). C2
 * keeps six bounds checks of the weight segment per two-block iteration of {@link #dotQ8Wide}; copying each row
 * into a heap array first, so that the checks are on an array, measured 0.65-0.90x (single thread, interleaved: the
 * copy costs about what the kernel does); block offsets computed as int instead of long, 0.91-1.06x (no change).
 *
 * <p>Two more ways around the missing pmaddwd, measured and not taken. C2's auto-vectoriser does emit {@code vpmaddwd}
 * for a plain loop {@code out[i] = a[2i] * b[2i] + a[2i+1] * b[2i+1]}, but only with short arrays on both sides and
 * the result stored to an int array: not as a reduction into a scalar, and not with one side bytes (array or memory
 * segment), so it would need the weights widened to int16 in memory, twice their size. And this kernel over a heap
 * {@code byte[]} instead of the memory segment (the same layout; the array's bounds checks are hoisted) ran 1.03-1.12x
 * (one thread, 5632 x 2048 from DRAM, 64 x 2048 and 1 x 8192 in cache), too little to give up mapped weights for.
 *
 * <p>Timings of these kernels are bimodal across JVMs: {@code KernelAB Q4_0} (fresh JVM each, one thread) read 6.4-7.2
 * GB/s in most runs and 4.4-5.0 in about one in four, the same in both modes within one JVM. C2's inlining decisions
 * ({@code -XX:+PrintInlining}) were identical in a slow and a fast JVM, and raising {@code FreqInlineSize},
 * {@code InlineSmallCode} or {@code LiveNodeCountInliningCutoff} changed neither the split nor the speeds (Q8_0 and
 * Q4_0, a dozen runs each). So compare kernels in one JVM, interleaved, or over several fresh JVMs.
 *
 * <p>Instruction count, not memory, is the limit: with one row in L1 (one thread, d = 8192) {@link #dotQ8Wide}
 * takes 3.0 ns a block, 2.4 without the scales and 2.1 with only the widen-multiply-add core. The same core in C
 * (gcc -O3: loads folded into {@code vpmovsxbw} and {@code vpmullw}, 18 instructions per two blocks) takes 0.81 ns;
 * C2 compiled that core to 40 (separate loads, index arithmetic, bounds checks it kept in that loop), and the whole
 * two-block body of this kernel, bounds checks hoisted, is 52. Looping over the rows inside the same method (one
 * slice for the whole range instead of a call and a slice per row) measured no different: 0.95-1.05x, one thread,
 * interleaved, at 2048 x 2048, 5632 x 2048 and 2048 x 5632.
 */
final class QuantKernels {
    private QuantKernels() {}

    private static final int BITS = Math.max(128, FloatVector.SPECIES_PREFERRED.vectorBitSize());
    static final VectorSpecies<Byte> BS = VectorSpecies.of(byte.class, VectorShape.forBitSize(BITS / 2));
    static final VectorSpecies<Short> SS = VectorSpecies.of(short.class, VectorShape.forBitSize(BITS));
    static final VectorSpecies<Integer> IS = VectorSpecies.of(int.class, VectorShape.forBitSize(BITS));
    static final VectorSpecies<Float> FS = VectorSpecies.of(float.class, VectorShape.forBitSize(BITS));
    /** Bytes of a block handled per vector step (16 on AVX2, 32 on AVX-512, 8 on 128-bit machines). */
    private static final int BL = Math.min(32, BS.length());

    /** Q4_0 unpacks 16 packed bytes into 16 shorts: fixed 128 → 256-bit species (vector path only where 256-bit is native). */
    static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;
    static final VectorSpecies<Short> S16 = ShortVector.SPECIES_256;
    static final VectorSpecies<Integer> I8 = IntVector.SPECIES_256;
    static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    private static final boolean Q4_VECTOR = FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 256;

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
            for (int t = 0; t < T; t++) {
                out[t * n + r] = Q4_VECTOR ? dotQ4(w, rowOff, xq, xs, t * d, nb) : dotQ4Scalar(w, rowOff, xq, xs, t * d, nb);
            }
        }
    }

    private static ShortVector widen(ByteVector b) {
        return (ShortVector) b.convertShape(VectorOperators.B2S, SS, 0);
    }

    private static IntVector pairSum(ShortVector p, VectorSpecies<Integer> is) {
        return ((IntVector) p.convertShape(VectorOperators.S2I, is, 0)).add((IntVector) p.convertShape(VectorOperators.S2I, is, 1));
    }

    static float dotQ8(MemorySegment w, long rowOff, byte[] xq, float[] xs, int xOff, int nb) {
        FloatVector acc = FloatVector.zero(FS);
        for (int b = 0; b < nb; b++) {
            long o = rowOff + (long) b * 34 + 2;
            int xb = xOff + b * 32;
            IntVector isum;
            if (BL == 16) {
                ShortVector p = widen(ByteVector.fromMemorySegment(BS, w, o, LE)).mul(widen(ByteVector.fromArray(BS, xq, xb)))
                        .add(widen(ByteVector.fromMemorySegment(BS, w, o + 16, LE)).mul(widen(ByteVector.fromArray(BS, xq, xb + 16))));
                isum = pairSum(p, IS);
            } else {
                isum = IntVector.zero(IS);
                for (int j = 0; j < 32; j += BL) {
                    ShortVector p = widen(ByteVector.fromMemorySegment(BS, w, o + j, LE)).mul(widen(ByteVector.fromArray(BS, xq, xb + j)));
                    isum = isum.add(pairSum(p, IS));
                }
            }
            float scale = CpuBackend.f16(w, o - 2) * xs[xOff / 32 + b];
            acc = ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(FS, scale), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    /** AVX2 decode path: 256-bit species, activations pre-widened to int16 once per matmul. */
    static final boolean WIDE = FloatVector.SPECIES_PREFERRED.vectorBitSize() == 256;

    static void matmulQ8Wide(float[] out, short[] xw, float[] xs, MemorySegment w, int T, int n, int d, int r0, int r1) {
        int nb = d / 32;
        for (int r = r0; r < r1; r++) {
            long rowOff = (long) r * nb * 34;
            for (int t = 0; t < T; t++) out[t * n + r] = dotQ8Wide(w, rowOff, xw, xs, t * d, nb);
        }
    }

    /** Q4_0 decode; {@code xcorr} from {@link #q4Corrections} applies the -8 nibble offset per block in the int domain. */
    static void matmulQ4Wide(float[] out, short[] xw, float[] xs, int[] xcorr, MemorySegment w, int T, int n, int d, int r0, int r1) {
        int nb = d / 32;
        for (int r = r0; r < r1; r++) {
            long rowOff = (long) r * nb * 18;
            for (int t = 0; t < T; t++) out[t * n + r] = dotQ4Wide(w, rowOff, xw, xs, xcorr, t * d, nb);
        }
    }

    /** Sums adjacent int16 lane pairs into int32 lanes (the pmaddwd reduction, spelled with shifts). */
    private static IntVector pairSum16(ShortVector p) {
        IntVector v = p.reinterpretAsInts();
        return v.lanewise(VectorOperators.ASHR, 16).add(v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
    }

    /**
     * One Q8_0 row against int16-widened activations. Two blocks per iteration into two accumulators
     * (measured 1.4x over one block per iteration; a four-block body stopped being inlined and was 2x slower).
     * The loop runs over a slice of the row with an int counter and a precomputed bound, so C2 sees a
     * counted loop and hoists the segment and array bounds checks out of it (with {@code b + 2 <= nb}
     * and row-absolute long offsets it kept ten checks and a safepoint poll per iteration: 6 % slower).
     */
    static float dotQ8Wide(MemorySegment w, long rowOff, short[] xw, float[] xs, int xOff, int nb) {
        MemorySegment row = w.asSlice(rowOff, nb * 34L);
        FloatVector a0 = FloatVector.zero(F8), a1 = a0;
        int sb = xOff / 32, pairs = nb & ~1;
        for (int b = 0; b < pairs; b += 2) {
            long o = b * 34L;
            int xb = xOff + b * 32;
            ShortVector p0 = w16(row, o + 2).mul(ShortVector.fromArray(S16, xw, xb)).add(w16(row, o + 18).mul(ShortVector.fromArray(S16, xw, xb + 16)));
            ShortVector p1 = w16(row, o + 36).mul(ShortVector.fromArray(S16, xw, xb + 32)).add(w16(row, o + 52).mul(ShortVector.fromArray(S16, xw, xb + 48)));
            a0 = ((FloatVector) pairSum16(p0).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F8, CpuBackend.f16(row, o) * xs[sb + b]), a0);
            a1 = ((FloatVector) pairSum16(p1).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F8, CpuBackend.f16(row, o + 34) * xs[sb + b + 1]), a1);
        }
        if (pairs < nb) {
            long o = pairs * 34L;
            int xb = xOff + pairs * 32;
            ShortVector p0 = w16(row, o + 2).mul(ShortVector.fromArray(S16, xw, xb)).add(w16(row, o + 18).mul(ShortVector.fromArray(S16, xw, xb + 16)));
            a0 = ((FloatVector) pairSum16(p0).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F8, CpuBackend.f16(row, o) * xs[sb + pairs]), a0);
        }
        return a0.add(a1).reduceLanes(VectorOperators.ADD);
    }

    /**
     * 16 packed Q4_0 bytes zero-extended to int16 (one vpmovzxbw), then low nibbles (elements 0..15) by
     * a mask and high nibbles (16..31) by a shift, as unsigned 0..15, times the int16 activations,
     * summed per lane. The -8 offset is not applied here: see {@link #matmulQ4Wide}.
     */
    private static ShortVector q4Products(MemorySegment w, long o, short[] xw, int xb) {
        ShortVector s = (ShortVector) ByteVector.fromMemorySegment(B16, w, o + 2, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S16, 0);
        ShortVector lo = s.and((short) 0x0F), hi = s.lanewise(VectorOperators.LSHR, 4);
        return lo.mul(ShortVector.fromArray(S16, xw, xb)).add(hi.mul(ShortVector.fromArray(S16, xw, xb + 16)));
    }

    /**
     * Sums adjacent int16 lane pairs into int32 lanes when each pair's sum fits in int16 (Q4_0's
     * unsigned-nibble products: |p| <= 2 * 15 * 127): adding the vector shifted left by 16 puts the pair
     * sum in each int's high half, one shift fewer than {@link #pairSum16}.
     */
    private static IntVector pairSumSmall(ShortVector p) {
        IntVector v = p.reinterpretAsInts();
        return v.add(v.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
    }

    /**
     * One Q4_0 row; same loop shape as {@link #dotQ8Wide}. Per block the unsigned-nibble products are
     * corrected in the int domain by {@code xcorr} (the -8 offset, 8 lanes per block), so the result
     * is exact integer arithmetic up to the one float FMA per block.
     */
    static float dotQ4Wide(MemorySegment w, long rowOff, short[] xw, float[] xs, int[] xcorr, int xOff, int nb) {
        MemorySegment row = w.asSlice(rowOff, nb * 18L);
        FloatVector a0 = FloatVector.zero(F8), a1 = a0;
        int sb = xOff / 32, pairs = nb & ~1;
        for (int b = 0; b < pairs; b += 2) {
            long o = b * 18L;
            int xb = xOff + b * 32, c = (sb + b) * 8;
            IntVector i0 = pairSumSmall(q4Products(row, o, xw, xb)).sub(IntVector.fromArray(I8, xcorr, c));
            IntVector i1 = pairSumSmall(q4Products(row, o + 18, xw, xb + 32)).sub(IntVector.fromArray(I8, xcorr, c + 8));
            a0 = ((FloatVector) i0.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F8, CpuBackend.f16(row, o) * xs[sb + b]), a0);
            a1 = ((FloatVector) i1.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F8, CpuBackend.f16(row, o + 18) * xs[sb + b + 1]), a1);
        }
        if (pairs < nb) {
            long o = pairs * 18L;
            IntVector i0 = pairSumSmall(q4Products(row, o, xw, xOff + pairs * 32)).sub(IntVector.fromArray(I8, xcorr, (sb + pairs) * 8));
            a0 = ((FloatVector) i0.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F8, CpuBackend.f16(row, o) * xs[sb + pairs]), a0);
        }
        return a0.add(a1).reduceLanes(VectorOperators.ADD);
    }

    /**
     * Q4_0's -8 nibble offset as int32 corrections, 8 lanes per block, for {@link #dotQ4Wide}:
     * {@code q4Products} lane i holds {@code lo_i x_i + hi_i x_(16+i)} with unsigned nibbles, and int lane l
     * sums elements 2l and 2l+1, so the offset removes {@code 8 (x_2l + x_2l+1 + x_(16+2l) + x_(17+2l))}.
     */
    static void q4Corrections(byte[] xq, int blocks, int[] xcorr) {
        for (int b = 0; b < blocks; b++) {
            int base = b * 32;
            for (int l = 0; l < 8; l++) {
                xcorr[b * 8 + l] = 8 * (xq[base + 2 * l] + xq[base + 2 * l + 1] + xq[base + 16 + 2 * l] + xq[base + 17 + 2 * l]);
            }
        }
    }

    /** 16 int8 weights at {@code off}, sign-extended to int16 lanes. */
    private static ShortVector w16(MemorySegment w, long off) {
        return (ShortVector) ByteVector.fromMemorySegment(B16, w, off, LE).convertShape(VectorOperators.B2S, S16, 0);
    }

    static float dotQ4(MemorySegment w, long rowOff, byte[] xq, float[] xs, int xOff, int nb) {
        FloatVector acc = FloatVector.zero(F8);
        for (int b = 0; b < nb; b++) {
            long o = rowOff + (long) b * 18;
            int xb = xOff + b * 32;
            ShortVector packed = (ShortVector) ByteVector.fromMemorySegment(B16, w, o + 2, LE).convertShape(VectorOperators.B2S, S16, 0);
            ShortVector lo = packed.and((short) 0x0F).sub((short) 8);
            ShortVector hi = packed.lanewise(VectorOperators.ASHR, 4).and((short) 0x0F).sub((short) 8);
            ShortVector xlo = (ShortVector) ByteVector.fromArray(B16, xq, xb).convertShape(VectorOperators.B2S, S16, 0);
            ShortVector xhi = (ShortVector) ByteVector.fromArray(B16, xq, xb + 16).convertShape(VectorOperators.B2S, S16, 0);
            ShortVector p = lo.mul(xlo).add(hi.mul(xhi));      // |p| <= 2 * 8 * 127
            IntVector isum = pairSum(p, I8);
            float scale = CpuBackend.f16(w, o) * xs[xOff / 32 + b];
            acc = ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F8, scale), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    static float dotQ4Scalar(MemorySegment w, long rowOff, byte[] xq, float[] xs, int xOff, int nb) {
        float sum = 0;
        for (int b = 0; b < nb; b++) {
            long o = rowOff + (long) b * 18;
            int xb = xOff + b * 32, s = 0;
            for (int j = 0; j < 16; j++) {
                int q = w.get(ValueLayout.JAVA_BYTE, o + 2 + j) & 0xFF;
                s += ((q & 0x0F) - 8) * xq[xb + j] + ((q >>> 4) - 8) * xq[xb + 16 + j];
            }
            sum += s * CpuBackend.f16(w, o) * xs[xOff / 32 + b];
        }
        return sum;
    }
}
