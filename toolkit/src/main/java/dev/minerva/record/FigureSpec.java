package dev.minerva.record;

import java.util.List;

/**
 * One entry of a paper's {@code figures.json}: a figure, the recorded tables it is drawn from, and
 * what regenerates it (see papers/README.md for the schema).
 *
 * @param paper    the paper folder name
 * @param id       figure id = file name stem of {@code papers/<paper>/figures/<id>.png|.svg} and renderer key
 * @param caption  one-line description
 * @param study    study whose latest run under {@code datasets/results/<study>/} holds the data
 * @param results  CSV files of that run the figure is drawn from (e.g. {@code results.csv})
 * @param notebook notebook (name without {@code .ipynb}) that regenerates it, or {@code null}
 * @param command  {@code minerva} CLI arguments that regenerate it, or {@code null}
 */
public record FigureSpec(String paper, String id, String caption, String study, List<String> results,
                         String notebook, List<String> command) {
    public FigureSpec {
        results = List.copyOf(results);
        command = command == null ? null : List.copyOf(command);
    }
}
