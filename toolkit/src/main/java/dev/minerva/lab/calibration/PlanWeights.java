package dev.minerva.lab.calibration;

import dev.minerva.model.Weights;
import dev.minerva.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Re-materialises F32 weights under a per-tensor format assignment, two ways:
 * <ul>
 * <li>{@link #fakeQuantised}: every tensor becomes F32 holding decode(encode(w)) — what a dedicated
 *     kernel computes, up to float summation order; used for all sensitivity measurements;</li>
 * <li>{@link #engineNative}: tensors whose format the engine has a kernel for (F16, BF16, Q8_0,
 *     Q4_0) become tensors of that DType holding the encoded bytes (ggml block layout), so the
 *     engine's own quantised matmul runs; the others (INT8 per-channel, 4-bit group) stay fake-quantised.</li>
 * </ul>
 */
public final class PlanWeights {
    private PlanWeights() {}

    /** Fake-quantised F32 weights; {@code floats} gives a tensor's reference values by name. */
    public static Weights fakeQuantised(Weights ref, Map<String, WeightFormat> plan, Function<String, float[]> floats) {
        Map<String, Tensor> repl = new HashMap<>();
        plan.forEach((name, f) -> {
            if (f.id().equals("f32")) return;
            Tensor t = ref.get(name);
            int rows = (int) t.dim(0), cols = (int) t.dim(1);
            repl.put(name, Tensor.ofF32(name, f.fakeQuantise(floats.apply(name), rows, cols), rows, cols));
        });
        return repl.isEmpty() ? ref : ref.with(repl);
    }

    /** Engine-native tensors where the engine has a kernel, fake-quantised F32 elsewhere. */
    public static Weights engineNative(Weights ref, Map<String, WeightFormat> plan, Function<String, float[]> floats) {
        Map<String, Tensor> repl = new HashMap<>();
        plan.forEach((name, f) -> {
            if (f.id().equals("f32")) return;
            Tensor t = ref.get(name);
            int rows = (int) t.dim(0), cols = (int) t.dim(1);
            if (f.engineType() != null) {
                repl.put(name, Tensor.of(name, f.engineType(), new long[]{rows, cols}, MemorySegment.ofArray(f.encode(floats.apply(name), rows, cols))));
            } else {
                repl.put(name, Tensor.ofF32(name, f.fakeQuantise(floats.apply(name), rows, cols), rows, cols));
            }
        });
        return repl.isEmpty() ? ref : ref.with(repl);
    }
}
