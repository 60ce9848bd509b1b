package dev.minerva.notebook;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What a notebook run is told, as environment variables of the kernel: the notebooks read them with
 * {@code System.getenv} so one notebook serves a quick CI run and a full study.
 *
 * @param budget    {@code ci} (small, minutes) or {@code full} (the study as published) → {@code MINERVA_BUDGET}
 * @param model     model file or folder, or {@code null} when none is known → {@code MINERVA_MODEL}
 * @param tokenizer tokenizer file, or {@code null} → {@code MINERVA_TOKENIZER}
 * @param backend   {@code auto}, {@code cpu} or {@code cuda} → {@code MINERVA_BACKEND}
 * @param out       where studies write {@code datasets/results/...} and {@code papers/.../figures} → {@code MINERVA_OUT}
 * @param root      the repository root → {@code MINERVA_ROOT}
 */
public record NotebookParameters(String budget, Path model, Path tokenizer, String backend, Path out, Path root) {

    public static final Set<String> BUDGETS = Set.of("ci", "full");
    public static final Set<String> BACKENDS = Set.of("auto", "cpu", "cuda");

    public NotebookParameters {
        budget = budget.toLowerCase(Locale.ROOT);
        backend = backend.toLowerCase(Locale.ROOT);
        if (!BUDGETS.contains(budget)) throw new IllegalArgumentException("MINERVA_BUDGET / --budget: '" + budget + "' is not one of ci, full");
        if (!BACKENDS.contains(backend)) throw new IllegalArgumentException("MINERVA_BACKEND / --backend: '" + backend + "' is not one of auto, cpu, cuda");
        if (model != null && !Files.exists(model)) throw new IllegalArgumentException("MINERVA_MODEL / --model: " + model + " does not exist");
        if (tokenizer != null && !Files.isRegularFile(tokenizer)) throw new IllegalArgumentException("MINERVA_TOKENIZER / --tokenizer: " + tokenizer + " is not a file");
        model = model == null ? null : model.toAbsolutePath().normalize();
        tokenizer = tokenizer == null ? null : tokenizer.toAbsolutePath().normalize();
        out = out.toAbsolutePath().normalize();
        root = root.toAbsolutePath().normalize();
    }

    /**
     * Parameters from explicit choices (may be {@code null}), else the environment variables, else defaults:
     * budget {@code full}, the stories260K checkpoint beside the checkout (with its tok512 tokenizer) when
     * present, backend {@code auto}, output into the repository root.
     */
    public static NotebookParameters resolve(NotebookLayout layout, Map<String, String> env,
                                             String budget, Path model, Path tokenizer, String backend, Path out) {
        String b = firstNonBlank(budget, env.get("MINERVA_BUDGET"), "full");
        String be = firstNonBlank(backend, env.get("MINERVA_BACKEND"), "auto");
        Path m = model != null ? model : pathOrNull(env.get("MINERVA_MODEL"));
        Path t = tokenizer != null ? tokenizer : pathOrNull(env.get("MINERVA_TOKENIZER"));
        if (m == null && Files.isRegularFile(layout.defaultModel())) {
            m = layout.defaultModel();
            if (t == null && Files.isRegularFile(layout.defaultTokenizer())) t = layout.defaultTokenizer();
        }
        Path o = out != null ? out : pathOrNull(env.get("MINERVA_OUT"));
        return new NotebookParameters(b, m, t, be, o == null ? layout.root() : o, layout.root());
    }

    /** The environment variables handed to the kernel ({@code MINERVA_MODEL}/{@code _TOKENIZER} only when known). */
    public Map<String, String> toEnv() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("MINERVA_BUDGET", budget);
        if (model != null) env.put("MINERVA_MODEL", model.toString());
        if (tokenizer != null) env.put("MINERVA_TOKENIZER", tokenizer.toString());
        env.put("MINERVA_BACKEND", backend);
        env.put("MINERVA_OUT", out.toString());
        env.put("MINERVA_ROOT", root.toString());
        return env;
    }

    private static String firstNonBlank(String... values) {
        for (String v : values) if (v != null && !v.isBlank()) return v.strip();
        throw new IllegalStateException("no default");
    }

    private static Path pathOrNull(String s) {
        return s == null || s.isBlank() ? null : Path.of(s.strip());
    }
}
