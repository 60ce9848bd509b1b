package dev.minerva.cli;

import dev.minerva.lab.roofline.RooflineFigures;
import dev.minerva.record.FigureRegistry;
import dev.minerva.record.FigureSpec;
import dev.minerva.record.FiguresFile;
import dev.minerva.record.Locations;
import dev.minerva.record.Reproducer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code minerva reproduce}: regenerates the figures listed in {@code papers/*\/figures.json}. */
@Command(name = "reproduce", mixinStandardHelpOptions = true,
        description = {"Regenerate paper figures from papers/*/figures.json.",
                "Default: re-run each figure's producer (notebook via 'minerva notebooks run', or its CLI command).",
                "--render-only: redraw each figure from the latest recorded run of its study (no computation, no GPU)."})
public final class ReproduceCommand implements Callable<Integer> {

    @Option(names = "--render-only", description = "redraw from recorded CSVs instead of re-running producers")
    boolean renderOnly;

    @Option(names = "--paper", paramLabel = "NAME", description = "only this paper (folder name under papers/)")
    String paper;

    @Option(names = "--out", paramLabel = "DIR", description = "output root for results and figures (default: $MINERVA_OUT or the project root)")
    Path out;

    @Option(names = "--prefer-command", description = "run a figure's CLI command instead of its notebook when both are listed")
    boolean preferCommand;

    @Option(names = "--no-setup", description = "do not run './minerva setup' before notebooks")
    boolean noSetup;

    @Override public Integer call() throws Exception {
        Path root = Locations.root();
        Path o = out != null ? out.toAbsolutePath() : Locations.out();
        List<FigureSpec> specs;
        try {
            specs = FiguresFile.readAll(root, paper);
        } catch (IllegalArgumentException e) {
            System.err.println("reproduce: " + e.getMessage());
            return 2;
        }
        if (specs.isEmpty()) {
            System.err.println("reproduce: no figures.json under " + root.resolve("papers") + (paper == null ? "" : " for paper '" + paper + "'"));
            return 2;
        }
        Reproducer rep = new Reproducer(root, o, System.out);
        if (renderOnly) {
            try {
                rep.renderOnly(specs, registry());
            } catch (java.io.IOException | IllegalArgumentException e) {
                System.err.println("reproduce: " + e.getMessage());
                return 1;
            }
            return 0;
        }
        return rep.rerun(specs, preferCommand, !noSetup);
    }

    /** Every study's figure renderers. */
    static FigureRegistry registry() {
        FigureRegistry r = new FigureRegistry();
        RooflineFigures.register(r);
        dev.minerva.lab.calibration.CalibrationFigures.register(r);
        dev.minerva.lab.engine.EngineFigures.register(r);
        return r;
    }
}
