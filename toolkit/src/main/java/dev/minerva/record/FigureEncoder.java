package dev.minerva.record;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.internal.chartpart.Chart;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;

/**
 * XChart figures as PNG and SVG bytes. SVG goes through XChart's {@link VectorGraphicsEncoder},
 * which needs the (dependency-free) VectorGraphics2D library on the class path.
 */
public final class FigureEncoder {
    private FigureEncoder() {}

    public static byte[] png(Chart<?, ?> chart) throws IOException {
        return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    }

    public static byte[] svg(Chart<?, ?> chart) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        VectorGraphicsEncoder.saveVectorGraphic(chart, bos, VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
        return bos.toByteArray();
    }

    /** Writes {@code <dir>/<name>.png} and {@code <dir>/<name>.svg}, each atomically. */
    public static void writeBoth(Chart<?, ?> chart, Path dir, String name) throws IOException {
        AtomicFiles.write(dir.resolve(name + ".png"), png(chart));
        AtomicFiles.write(dir.resolve(name + ".svg"), svg(chart));
    }
}
