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
 * is one buffer plus a row per thread, whatever the model size.
 */
public final class TensorStreamWriter {
    private static final int BUFFER_BYTES = 8 << 20;

    private final FileChannel out;
    private final LongConsumer progress;
    private final ByteBuffer buf;
    private final MemorySegment seg;
    private boolean sequential;

    /** @param progress called with the number of bytes just written (for progress bars) */
    public TensorStreamWriter(FileChannel out, LongConsumer progress) {
        this.out = out;
        this.progress = progress;
        this.buf = ByteBuffer.allocate(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        this.seg = MemorySegment.ofBuffer(buf);
    }

    /**
     * Writes {@code t}'s encoded bytes at the channel's current position. Rows are produced and
     * encoded in parallel, a buffer-full at a time (row sources must be safe to call from several
     * threads, which reading a mapped tensor or seeding a generator per row is), and written in order.
     */
    public void write(OutputTensor t) throws IOException {
        int cols = Math.toIntExact(t.cols());
        long rowBytes = t.dtype().byteSize(cols);
        if (rowBytes > BUFFER_BYTES) throw new IllegalArgumentException("row of '" + t.name() + "' larger than the write buffer");
        int perBuffer = (int) Math.max(1, BUFFER_BYTES / Math.max(1, rowBytes));
        ThreadLocal<float[]> rows = ThreadLocal.withInitial(() -> new float[cols]);
        for (long r0 = 0; r0 < t.nRows(); r0 += perBuffer) {
            long first = r0;
            int n = (int) Math.min(perBuffer, t.nRows() - r0);
            java.util.stream.IntStream range = java.util.stream.IntStream.range(0, n);
            java.util.function.IntConsumer encodeRow = i -> {
                float[] row = rows.get();
                t.rows().row(first + i, row);
                TensorCodec.encode(row, 0, cols, Tensor.of(t.name(), t.dtype(), new long[]{cols}, seg.asSlice(i * rowBytes, rowBytes)), 0);
            };
            if (sequential) {
                range.forEach(encodeRow);
            } else {
                try {
                    range.parallel().forEach(encodeRow);
                } catch (WrongThreadException e) {
                    // the source lives in a confined arena: only this thread may read it; rows are pure, so redo in order
                    sequential = true;
                    java.util.stream.IntStream.range(0, n).forEach(encodeRow);
                }
            }
            flush((int) (n * rowBytes));
        }
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
