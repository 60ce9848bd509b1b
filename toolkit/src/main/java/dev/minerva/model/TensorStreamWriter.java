package dev.minerva.model;

import dev.minerva.tensor.Tensor;
import dev.minerva.tensor.TensorCodec;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.function.LongConsumer;

/**
 * Encodes {@link OutputTensor}s row by row into a channel through one reusable buffer: memory use
 * is one buffer plus one row, whatever the model size.
 */
public final class TensorStreamWriter {
    private static final int BUFFER_BYTES = 8 << 20;

    private final FileChannel out;
    private final LongConsumer progress;
    private final ByteBuffer buf;
    private final MemorySegment seg;

    /** @param progress called with the number of bytes just written (for progress bars) */
    public TensorStreamWriter(FileChannel out, LongConsumer progress) {
        this.out = out;
        this.progress = progress;
        this.buf = ByteBuffer.allocate(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        this.seg = MemorySegment.ofBuffer(buf);
    }

    /** Writes {@code t}'s encoded bytes at the channel's current position. */
    public void write(OutputTensor t) throws IOException {
        int cols = Math.toIntExact(t.cols());
        long rowBytes = t.dtype().byteSize(cols);
        if (rowBytes > BUFFER_BYTES) throw new IllegalArgumentException("row of '" + t.name() + "' larger than the write buffer");
        float[] row = new float[cols];
        int used = 0;
        for (long r = 0; r < t.nRows(); r++) {
            if (used + rowBytes > BUFFER_BYTES) { flush(used); used = 0; }
            t.rows().row(r, row);
            TensorCodec.encode(row, 0, cols, Tensor.of(t.name(), t.dtype(), new long[]{cols}, seg.asSlice(used, rowBytes)), 0);
            used += (int) rowBytes;
        }
        flush(used);
    }

    /** Writes {@code n} zero bytes (alignment padding). */
    public void pad(int n) throws IOException {
        if (n > 0) out.write(ByteBuffer.allocate(n));
    }

    private void flush(int used) throws IOException {
        buf.clear().limit(used);
        while (buf.hasRemaining()) out.write(buf);
        progress.accept(used);
    }
}
