package dev.minerva.lab.roofline;

/**
 * Cost of one op instance in one forward step (all sequences of the batch together); {@code count}
 * instances run per step (e.g. one per layer).
 *
 * @param name         llama2.c name ({@code wq}, {@code attention}, {@code classifier}, ...)
 * @param kind         op family
 * @param count        instances per step
 * @param flops        floating-point operations of one instance (a multiply-add is 2)
 * @param weightBytes  weight bytes read by one instance
 * @param kvReadBytes  KV-cache bytes read
 * @param kvWriteBytes KV-cache bytes written
 * @param actBytes     activation bytes read and written (incl. a materialised score matrix)
 */
public record Op(String name, OpKind kind, int count, double flops, double weightBytes, double kvReadBytes,
                 double kvWriteBytes, double actBytes) {

    /** All bytes one instance moves. */
    public double bytes() { return weightBytes + kvReadBytes + kvWriteBytes + actBytes; }

    /** FLOP per byte moved. */
    public double intensity() { return flops / bytes(); }
}
