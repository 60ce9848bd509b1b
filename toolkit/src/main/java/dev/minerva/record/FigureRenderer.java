package dev.minerva.record;

import org.knowm.xchart.internal.chartpart.Chart;
import tech.tablesaw.api.Table;

import java.util.Map;

/** Draws one figure from the recorded tables of a run (no computation, no GPU). */
@FunctionalInterface
public interface FigureRenderer {
    /**
     * @param spec   the figure's figures.json entry
     * @param tables the CSV files named in {@code spec.results()}, keyed by file name (e.g. {@code results.csv})
     */
    Chart<?, ?> render(FigureSpec spec, Map<String, Table> tables);
}
