package dev.minerva.model.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.minerva.model.AtomicFile;
import dev.minerva.model.OutputTensor;
import dev.minerva.model.TensorStreamWriter;
import dev.minerva.tensor.DType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * Writes a {@code .safetensors} file, streaming tensor by tensor, atomically (temporary file +
 * rename). The JSON header is padded with spaces to a multiple of 8 bytes so that every tensor
 * starts 8-byte aligned, as the reference implementation does.
 */
public final class SafetensorsWriter {
    private SafetensorsWriter() {}

    /**
     * @param metadata {@code __metadata__} strings (quantised tensors add their {@link SafetensorsFile#QUANT_KEY} entries)
     * @param progress receives byte counts as data is written
     */
    public static void write(Path file, List<OutputTensor> tensors, Map<String, String> metadata, LongConsumer progress) throws IOException {
        ObjectMapper om = new ObjectMapper();
        ObjectNode root = om.createObjectNode();
        Map<String, String> meta = new LinkedHashMap<>(metadata);
        long offset = 0;
        for (OutputTensor t : tensors) {
            ObjectNode e = root.putObject(t.name());
            ArrayNode shape = e.putArray("shape");
            if (t.dtype().isQuantized()) {
                // stored as U8 [rows..., rowBytes]; the reader restores the logical shape from the metadata note
                e.put("dtype", "U8");
                long[] s = t.shape();
                for (int i = 0; i < s.length - 1; i++) shape.add(s[i]);
                shape.add(t.dtype().byteSize(t.cols()));
                meta.put(SafetensorsFile.QUANT_KEY + t.name(), t.dtype().name());
            } else {
                e.put("dtype", dtypeName(t.dtype()));
                for (long d : t.shape()) shape.add(d);
            }
            long size = t.byteSize();
            e.putArray("data_offsets").add(offset).add(offset + size);
            offset += size;
        }
        ObjectNode m = om.createObjectNode();
        meta.forEach(m::put);
        // __metadata__ first, as the Python writer does
        ObjectNode ordered = om.createObjectNode();
        ordered.set("__metadata__", m);
        ordered.setAll(root);
        byte[] json = om.writeValueAsBytes(ordered);
        int padded = (json.length + 7) & ~7;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) head.put((byte) ' ');
        head.flip();
        AtomicFile.write(file, tmp -> {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                while (head.hasRemaining()) ch.write(head);
                TensorStreamWriter w = new TensorStreamWriter(ch, progress);
                for (OutputTensor t : tensors) w.write(t);
                ch.force(false);
            }
        });
    }

    static String dtypeName(DType t) {
        return switch (t) {
            case F32 -> "F32";
            case F16 -> "F16";
            case BF16 -> "BF16";
            default -> throw new IllegalArgumentException("not a plain safetensors dtype: " + t);
        };
    }
}
