package dev.minerva.lab.calibration;

import dev.minerva.tensor.DType;
import dev.minerva.tensor.Tensor;
import dev.minerva.tensor.TensorCodec;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.*;

/** The study's F16/BF16/Q8_0/Q4_0 encoders and the engine's codecs were written independently: their bytes must agree. */
class EngineCodecAgreementTest {

    @Test void sameBytesAsTheEngine() {
        int rows = 12, cols = 96;
        float[] w = WeightFormatTest.gaussian(rows * cols, 5, 0.2);
        w[17] = 0; w[40] = -1.7f; // an all-but-zero block edge and a large value
        Tensor src = Tensor.ofF32("w", w, rows, cols);
        try (Arena arena = Arena.ofConfined()) {
            for (DType d : new DType[]{DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0}) {
                WeightFormat f = WeightFormats.get(d.name().toLowerCase());
                byte[] ours = f.encode(w, rows, cols);
                byte[] theirs = TensorCodec.convert(src, d, arena).data().toArray(ValueLayout.JAVA_BYTE);
                assertEquals(theirs.length, ours.length, d + " length");
                int diffs = 0, first = -1;
                for (int i = 0; i < ours.length; i++) if (ours[i] != theirs[i]) { diffs++; if (first < 0) first = i; }
                assertEquals(0, diffs, d + ": " + diffs + " bytes differ, first at byte " + first);
                // and decoding through the engine gives our fake-quantised values
                float[] back = TensorCodec.toFloats(Tensor.of("q", d, new long[]{rows, cols}, java.lang.foreign.MemorySegment.ofArray(ours)));
                assertArrayEquals(f.fakeQuantise(w, rows, cols), back, 0f, d + " decode");
            }
        }
    }
}
