package dev.minerva.record;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Parser and validator of {@code papers/<paper>/figures.json}:
 * <pre>
 * { "paper": "roofline",
 *   "figures": [ { "id": "roofline-h100-sxm", "caption": "...", "study": "roofline",
 *                  "results": ["results.csv", "hardware.csv"],
 *                  "notebook": "01-roofline", "command": ["roofline", "figures"] } ] }
 * </pre>
 * Every error names the file and the field ({@code figures[2].study}).
 */
public final class FiguresFile {
    private FiguresFile() {}

    public static final String NAME = "figures.json";
    private static final String SAFE = "[A-Za-z0-9][A-Za-z0-9._-]*";

    /** Parses and validates one figures.json. @throws IllegalArgumentException naming file and field */
    public static List<FigureSpec> read(Path file) throws IOException {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(Files.readString(file));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": malformed JSON at line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr() + ": " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) throw bad(file, "(root)", "must be a JSON object");
        String paper = text(file, root, "paper", "paper", true);
        String folder = file.toAbsolutePath().getParent().getFileName().toString();
        if (!paper.equals(folder)) throw bad(file, "paper", "is '" + paper + "' but the file lives in papers/" + folder);
        JsonNode figs = root.get("figures");
        if (figs == null || !figs.isArray()) throw bad(file, "figures", "must be an array");
        List<FigureSpec> specs = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < figs.size(); i++) {
            JsonNode f = figs.get(i);
            String at = "figures[" + i + "]";
            if (!f.isObject()) throw bad(file, at, "must be an object");
            String id = text(file, f, "id", at + ".id", true);
            if (!ids.add(id)) throw bad(file, at + ".id", "duplicate figure id '" + id + "'");
            String caption = text(file, f, "caption", at + ".caption", false);
            String study = text(file, f, "study", at + ".study", true);
            List<String> results = strings(file, f, "results", at + ".results", true);
            if (results.isEmpty()) throw bad(file, at + ".results", "must list at least one CSV file");
            for (int k = 0; k < results.size(); k++) {
                if (!results.get(k).endsWith(".csv")) throw bad(file, at + ".results[" + k + "]", "must be a .csv file name, got '" + results.get(k) + "'");
            }
            String notebook = text(file, f, "notebook", at + ".notebook", false);
            List<String> command = strings(file, f, "command", at + ".command", false);
            if (notebook == null && command == null) throw bad(file, at, "needs a producer: 'notebook' or 'command'");
            if (command != null && command.isEmpty()) throw bad(file, at + ".command", "must not be empty");
            specs.add(new FigureSpec(paper, id, caption, study, results, notebook, command));
        }
        return specs;
    }

    /** All {@code <root>/papers/*\/figures.json}, optionally only paper {@code only}, in name order. */
    public static List<FigureSpec> readAll(Path root, String only) throws IOException {
        Path papers = root.resolve("papers");
        List<FigureSpec> all = new ArrayList<>();
        if (!Files.isDirectory(papers)) return all;
        List<Path> files;
        try (Stream<Path> s = Files.list(papers)) {
            files = s.filter(Files::isDirectory).filter(d -> only == null || d.getFileName().toString().equals(only))
                    .map(d -> d.resolve(NAME)).filter(Files::isRegularFile).sorted().toList();
        }
        for (Path f : files) all.addAll(read(f));
        return all;
    }

    private static String text(Path file, JsonNode obj, String key, String at, boolean required) {
        JsonNode v = obj.get(key);
        if (v == null || v.isNull()) {
            if (required) throw bad(file, at, "missing");
            return null;
        }
        if (!v.isTextual()) throw bad(file, at, "must be a string, got " + v.getNodeType().name().toLowerCase());
        String s = v.asText();
        if (!key.equals("caption") && !s.matches(SAFE)) throw bad(file, at, "'" + s + "' must match " + SAFE);
        return s;
    }

    private static List<String> strings(Path file, JsonNode obj, String key, String at, boolean required) {
        JsonNode v = obj.get(key);
        if (v == null || v.isNull()) {
            if (required) throw bad(file, at, "missing");
            return null;
        }
        if (!v.isArray()) throw bad(file, at, "must be an array of strings");
        List<String> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            if (!v.get(i).isTextual()) throw bad(file, at + "[" + i + "]", "must be a string");
            String s = v.get(i).asText();
            if (s.isBlank()) throw bad(file, at + "[" + i + "]", "must not be blank");
            if (key.equals("results") && (s.contains("/") || s.contains("\\") || s.startsWith("."))) {
                throw bad(file, at + "[" + i + "]", "'" + s + "' must be a file name inside the run folder");
            }
            out.add(s);
        }
        return out;
    }

    private static IllegalArgumentException bad(Path file, String field, String why) {
        return new IllegalArgumentException(file + ": field " + field + ": " + why);
    }
}
