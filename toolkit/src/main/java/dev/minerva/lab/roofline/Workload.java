package dev.minerva.lab.roofline;

import dev.minerva.model.ModelConfig;

import java.util.Objects;

/**
 * One forward step to cost.
 *
 * @param modelName  label (preset name or file)
 * @param model      shapes
 * @param phase      prefill (each sequence processes {@code context} prompt tokens from position 0)
 *                   or decode (each sequence adds one token and attends to {@code context} positions, itself included)
 * @param batch      sequences in the step
 * @param context    prompt length (prefill) or attended positions (decode)
 * @param weights    weight storage format
 * @param kv         KV-cache storage format
 * @param acts       activation format
 * @param attention  flash or naive attention
 */
public record Workload(String modelName, ModelConfig model, Phase phase, int batch, int context,
                       StorageFormat weights, StorageFormat kv, StorageFormat acts, AttentionKind attention) {

    public Workload {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(phase, "phase");
        if (batch < 1) throw new IllegalArgumentException("batch must be ≥ 1, got " + batch);
        if (context < 1) throw new IllegalArgumentException("context must be ≥ 1, got " + context);
    }

    /** Tokens whose hidden state the step computes: batch × context (prefill) or batch (decode). */
    public long tokensPerStep() { return phase == Phase.PREFILL ? (long) batch * context : batch; }

    public Workload withPhase(Phase p) { return new Workload(modelName, model, p, batch, context, weights, kv, acts, attention); }

    public Workload withBatch(int b) { return new Workload(modelName, model, phase, b, context, weights, kv, acts, attention); }

    public ComputeType computeType() { return ComputeType.of(weights, acts); }
}
