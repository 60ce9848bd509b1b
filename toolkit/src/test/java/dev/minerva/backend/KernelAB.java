package dev.minerva.backend;

import dev.minerva.tensor.DType;
import dev.minerva.tensor.Q8_0Codec;
import dev.minerva.tensor.Tensor;
import dev.minerva.tensor.TensorCodec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

/** Interleaved single-thread A/B timing of decode kernel variants (-Dv=N picks a variant; 1 = the shipped kernel) (min of many runs, robust to a shared machine). */
public final class KernelAB {
    public static void main(String[] args) {
        int rows = 5632, d = 2048, nb = d / 32;
        DType dt = DType.valueOf(args.length > 0 ? args[0] : "Q8_0");
        try (Arena arena = Arena.ofShared()) {
            SplittableRandom rnd = new SplittableRandom(1);
            Tensor w = Tensor.allocate(arena, "w", dt, rows, d);
            float[] row = new float[d];
            for (int r = 0; r < rows; r++) {
                for (int i = 0; i < d; i++) row[i] = (float) rnd.nextDouble(-1, 1);
                TensorCodec.encode(row, 0, d, w, (long) r * d);
            }
            float[] x = new float[d];
            for (int i = 0; i < d; i++) x[i] = (float) rnd.nextDouble(-1, 1);
            byte[] xq = new byte[d];
            float[] xs = new float[nb];
            Q8_0Codec.quantize(x, 0, d, xq, xs);
            short[] xw = new short[d];
            for (int i = 0; i < d; i++) xw[i] = xq[i];
            MemorySegment ws = w.data();
            float[] oa = new float[rows], ob = new float[rows];
            long bytes = ws.byteSize();
            double ba = 1e18, bb = 1e18;
            for (int k = 0; k < 400; k++) {
                long t0 = System.nanoTime();
                if (dt == DType.Q8_0) QuantKernels.matmulQ8(oa, xq, xs, ws, 1, rows, d, 0, rows);
                else if (dt == DType.Q4_0) QuantKernels.matmulQ4(oa, xq, xs, ws, 1, rows, d, 0, rows);
                else FloatKernels.matmulF32Decode(oa, x, ws, 1, rows, d, 0, rows);
                long t1 = System.nanoTime();
                variant(dt, ob, x, xq, xw, xs, ws, rows, d);
                long t2 = System.nanoTime();
                if (k > 100) { ba = Math.min(ba, t1 - t0); bb = Math.min(bb, t2 - t1); }
            }
            double maxDiff = 0;
            for (int i = 0; i < rows; i++) maxDiff = Math.max(maxDiff, Math.abs(oa[i] - ob[i]));
            System.out.printf("%s old %.1f us %.2f GB/s | new %.1f us %.2f GB/s | max diff %.3g%n", dt, ba / 1e3, bytes / ba, bb / 1e3, bytes / bb, maxDiff);
        }
    }

    static final jdk.incubator.vector.VectorSpecies<Byte> B8 = jdk.incubator.vector.ByteVector.SPECIES_64;
    static final jdk.incubator.vector.VectorSpecies<Float> F8 = jdk.incubator.vector.FloatVector.SPECIES_256;
    static final jdk.incubator.vector.VectorSpecies<Short> S16 = jdk.incubator.vector.ShortVector.SPECIES_256;
    static final jdk.incubator.vector.VectorSpecies<Byte> B16 = jdk.incubator.vector.ByteVector.SPECIES_128;
    static final java.nio.ByteOrder LE = java.nio.ByteOrder.LITTLE_ENDIAN;

    static jdk.incubator.vector.ShortVector w16(MemorySegment w, long off) {
        return (jdk.incubator.vector.ShortVector) jdk.incubator.vector.ByteVector.fromMemorySegment(B16, w, off, LE).convertShape(jdk.incubator.vector.VectorOperators.B2S, S16, 0);
    }
    static jdk.incubator.vector.IntVector ps(jdk.incubator.vector.ShortVector p) {
        jdk.incubator.vector.IntVector v = p.reinterpretAsInts();
        return v.lanewise(jdk.incubator.vector.VectorOperators.ASHR, 16).add(v.lanewise(jdk.incubator.vector.VectorOperators.LSHL, 16).lanewise(jdk.incubator.vector.VectorOperators.ASHR, 16));
    }

    static float v2(MemorySegment w, long rowOff, short[] xw, float[] xs, int nb) {
        jdk.incubator.vector.FloatVector a0 = jdk.incubator.vector.FloatVector.zero(F8), a1 = a0;
        for (int b = 0; b < nb; b += 2) {
            long o = rowOff + (long) b * 34;
            int xb = b * 32;
            var p0 = w16(w, o + 2).mul(jdk.incubator.vector.ShortVector.fromArray(S16, xw, xb)).add(w16(w, o + 18).mul(jdk.incubator.vector.ShortVector.fromArray(S16, xw, xb + 16)));
            var p1 = w16(w, o + 36).mul(jdk.incubator.vector.ShortVector.fromArray(S16, xw, xb + 32)).add(w16(w, o + 52).mul(jdk.incubator.vector.ShortVector.fromArray(S16, xw, xb + 48)));
            a0 = ((jdk.incubator.vector.FloatVector) ps(p0).convert(jdk.incubator.vector.VectorOperators.I2F, 0)).fma(jdk.incubator.vector.FloatVector.broadcast(F8, CpuBackend.f16(w, o) * xs[b]), a0);
            a1 = ((jdk.incubator.vector.FloatVector) ps(p1).convert(jdk.incubator.vector.VectorOperators.I2F, 0)).fma(jdk.incubator.vector.FloatVector.broadcast(F8, CpuBackend.f16(w, o + 34) * xs[b + 1]), a1);
        }
        return a0.add(a1).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }

    static jdk.incubator.vector.FloatVector blk(MemorySegment w, long o, short[] xw, int xb, float xsb, jdk.incubator.vector.FloatVector acc) {
        var p = w16(w, o + 2).mul(jdk.incubator.vector.ShortVector.fromArray(S16, xw, xb)).add(w16(w, o + 18).mul(jdk.incubator.vector.ShortVector.fromArray(S16, xw, xb + 16)));
        return ((jdk.incubator.vector.FloatVector) ps(p).convert(jdk.incubator.vector.VectorOperators.I2F, 0)).fma(jdk.incubator.vector.FloatVector.broadcast(F8, CpuBackend.f16(w, o) * xsb), acc);
    }

    static float v5(MemorySegment w, long rowOff, short[] xw, float[] xs, int nb) {
        jdk.incubator.vector.FloatVector a0 = jdk.incubator.vector.FloatVector.zero(F8), a1 = a0, a2 = a0, a3 = a0;
        int b = 0;
        for (; b + 4 <= nb; b += 4) {
            long o = rowOff + (long) b * 34;
            int xb = b * 32;
            a0 = blk(w, o, xw, xb, xs[b], a0);
            a1 = blk(w, o + 34, xw, xb + 32, xs[b + 1], a1);
            a2 = blk(w, o + 68, xw, xb + 64, xs[b + 2], a2);
            a3 = blk(w, o + 102, xw, xb + 96, xs[b + 3], a3);
        }
        for (; b < nb; b++) a0 = blk(w, rowOff + (long) b * 34, xw, b * 32, xs[b], a0);
        return a0.add(a1).add(a2.add(a3)).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }

    static jdk.incubator.vector.ShortVector q4p(MemorySegment w, long o, short[] xw, int xb) {
        var pk = jdk.incubator.vector.ByteVector.fromMemorySegment(B16, w, o + 2, LE);
        var lo = (jdk.incubator.vector.ShortVector) pk.and((byte) 0x0F).convertShape(jdk.incubator.vector.VectorOperators.B2S, S16, 0);
        var hi = (jdk.incubator.vector.ShortVector) pk.reinterpretAsShorts().lanewise(jdk.incubator.vector.VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F).convertShape(jdk.incubator.vector.VectorOperators.B2S, S16, 0);
        return lo.mul(jdk.incubator.vector.ShortVector.fromArray(S16, xw, xb)).add(hi.mul(jdk.incubator.vector.ShortVector.fromArray(S16, xw, xb + 16)));
    }

    static float q4b(MemorySegment w, long rowOff, short[] xw, float[] xs, float[] xsum, int nb) {
        jdk.incubator.vector.FloatVector a0 = jdk.incubator.vector.FloatVector.zero(F8), a1 = a0;
        float corr = 0;
        int b = 0;
        for (; b + 2 <= nb; b += 2) {
            long o = rowOff + (long) b * 18;
            float d0 = CpuBackend.f16(w, o), d1 = CpuBackend.f16(w, o + 18);
            a0 = ((jdk.incubator.vector.FloatVector) ps(q4p(w, o, xw, b * 32)).convert(jdk.incubator.vector.VectorOperators.I2F, 0)).fma(jdk.incubator.vector.FloatVector.broadcast(F8, d0 * xs[b]), a0);
            a1 = ((jdk.incubator.vector.FloatVector) ps(q4p(w, o + 18, xw, b * 32 + 32)).convert(jdk.incubator.vector.VectorOperators.I2F, 0)).fma(jdk.incubator.vector.FloatVector.broadcast(F8, d1 * xs[b + 1]), a1);
            corr += d0 * xsum[b] + d1 * xsum[b + 1];
        }
        return a0.add(a1).reduceLanes(jdk.incubator.vector.VectorOperators.ADD) - corr;
    }

    static jdk.incubator.vector.FloatVector f8(MemorySegment w, long off) {
        return (jdk.incubator.vector.FloatVector) jdk.incubator.vector.ByteVector.fromMemorySegment(B8, w, off, LE).convertShape(jdk.incubator.vector.VectorOperators.B2F, F8, 0);
    }

    static float v4(MemorySegment w, long rowOff, float[] xd, int nb) {
        jdk.incubator.vector.FloatVector acc = jdk.incubator.vector.FloatVector.zero(F8);
        for (int b = 0; b < nb; b++) {
            long o = rowOff + (long) b * 34;
            int xb = b * 32;
            var s = f8(w, o + 2).mul(jdk.incubator.vector.FloatVector.fromArray(F8, xd, xb));
            var t = f8(w, o + 10).mul(jdk.incubator.vector.FloatVector.fromArray(F8, xd, xb + 8));
            s = f8(w, o + 18).fma(jdk.incubator.vector.FloatVector.fromArray(F8, xd, xb + 16), s);
            t = f8(w, o + 26).fma(jdk.incubator.vector.FloatVector.fromArray(F8, xd, xb + 24), t);
            acc = s.add(t).fma(jdk.incubator.vector.FloatVector.broadcast(F8, CpuBackend.f16(w, o)), acc);
        }
        return acc.reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }

    static void variant(DType dt, float[] out, float[] x, byte[] xq, short[] xw, float[] xs, MemorySegment ws, int rows, int d) {
        switch (dt) {
            case Q8_0 -> {
                switch (Integer.getInteger("v", 1)) {
                    case 1 -> QuantKernels.matmulQ8Wide(out, xw, xs, ws, 1, rows, d, 0, rows);
                    case 2 -> { for (int r = 0; r < rows; r++) out[r] = v2(ws, (long) r * (d / 32) * 34, xw, xs, d / 32); }
                    case 5 -> { for (int r = 0; r < rows; r++) out[r] = v5(ws, (long) r * (d / 32) * 34, xw, xs, d / 32); }
                    case 4 -> {
                        float[] xd = new float[d];
                        for (int i = 0; i < d; i++) xd[i] = xq[i] * xs[i / 32];
                        for (int r = 0; r < rows; r++) out[r] = v4(ws, (long) r * (d / 32) * 34, xd, d / 32);
                    }
                    default -> throw new IllegalArgumentException();
                }
            }
            case Q4_0 -> {
                if (Integer.getInteger("v", 1) == 1) {
                    int[] xcorr = new int[d / 32 * 8];
                    QuantKernels.q4Corrections(xq, d / 32, xcorr);
                    QuantKernels.matmulQ4Wide(out, xw, xs, xcorr, ws, 1, rows, d, 0, rows);
                } else {
                    int nb = d / 32;
                    float[] xsum = new float[nb];
                    for (int b = 0; b < nb; b++) { int s = 0; for (int j = 0; j < 32; j++) s += xq[b * 32 + j]; xsum[b] = 8f * s * xs[b]; }
                    for (int r = 0; r < rows; r++) out[r] = q4b(ws, (long) r * nb * 18, xw, xs, xsum, nb);
                }
            }
            default -> FloatKernels.matmulF32Decode(out, x, ws, 1, rows, d, 0, rows);
        }
    }
}
