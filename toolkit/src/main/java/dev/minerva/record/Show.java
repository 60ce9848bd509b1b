package dev.minerva.record;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.internal.chartpart.Chart;
import tech.tablesaw.api.Table;

import java.awt.image.BufferedImage;

/**
 * Display helpers for Java notebooks (rapaio kernel): {@code display(Show.chart(c))} renders an
 * {@code image/png} output; {@code Show.table(t)} returns aligned plain text.
 */
public final class Show {
    private Show() {}

    /** The chart as an image; a notebook displays a returned BufferedImage inline. */
    public static BufferedImage chart(Chart<?, ?> chart) {
        return BitmapEncoder.getBufferedImage(chart);
    }

    /** All rows of {@code table} as aligned text. */
    public static String table(Table table) {
        return table.printAll();
    }

    /** At most {@code maxRows} rows of {@code table} as aligned text. */
    public static String table(Table table, int maxRows) {
        return table.print(maxRows);
    }

    /** A copy of {@code table} with every floating-point column rounded to {@code decimals} places (for reading). */
    public static Table rounded(Table table, int decimals) {
        Table copy = table.copy();
        double f = Math.pow(10, decimals);
        for (var c : copy.columns()) {
            if (c instanceof tech.tablesaw.api.DoubleColumn d) {
                for (int i = 0; i < d.size(); i++) if (!d.isMissing(i)) d.set(i, Math.round(d.get(i) * f) / f);
            }
        }
        return copy;
    }

    /** {@code table} as an HTML {@code <table>} (cell text escaped). */
    public static String html(Table table) {
        StringBuilder sb = new StringBuilder("<table>\n<tr>");
        for (String c : table.columnNames()) sb.append("<th>").append(escape(c)).append("</th>");
        sb.append("</tr>\n");
        for (int r = 0; r < table.rowCount(); r++) {
            sb.append("<tr>");
            for (int c = 0; c < table.columnCount(); c++) sb.append("<td>").append(escape(table.getString(r, c))).append("</td>");
            sb.append("</tr>\n");
        }
        return sb.append("</table>").toString();
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
