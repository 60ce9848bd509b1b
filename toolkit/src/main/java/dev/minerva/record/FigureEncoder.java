package dev.minerva.record;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.internal.chartpart.Chart;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
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

    /**
     * SVG of the chart. XChart draws text as glyph outlines, so coordinates are rounded to 0.1 px
     * (invisible at any zoom a figure is read at) to keep files about 40 % smaller.
     */
    public static byte[] svg(Chart<?, ?> chart) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        VectorGraphicsEncoder.saveVectorGraphic(chart, bos, VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
        String svg = bos.toString(StandardCharsets.UTF_8);
        return DECIMALS.matcher(svg).replaceAll("$1").getBytes(StandardCharsets.UTF_8);
    }

    private static final Pattern DECIMALS = Pattern.compile("(-?\\d+\\.\\d)\\d+");

    /** Writes {@code <dir>/<name>.png} and {@code <dir>/<name>.svg}, each atomically. */
    public static void writeBoth(Chart<?, ?> chart, Path dir, String name) throws IOException {
        AtomicFiles.write(dir.resolve(name + ".png"), png(chart));
        AtomicFiles.write(dir.resolve(name + ".svg"), svg(chart));
    }
}
