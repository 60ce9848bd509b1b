package dev.minerva.record;

import java.util.Map;
import java.util.TreeMap;

/** Renderers by figure id; each study registers the figures it owns. */
public final class FigureRegistry {
    private final Map<String, FigureRenderer> renderers = new TreeMap<>();

    /** @throws IllegalArgumentException if {@code id} is registered already */
    public FigureRegistry register(String id, FigureRenderer renderer) {
        if (renderers.putIfAbsent(id, renderer) != null) throw new IllegalArgumentException("figure '" + id + "' registered twice");
        return this;
    }

    /** @throws IllegalArgumentException naming the known ids when {@code id} has no renderer */
    public FigureRenderer get(String id) {
        FigureRenderer r = renderers.get(id);
        if (r == null) throw new IllegalArgumentException("no renderer for figure '" + id + "'; known: " + String.join(", ", renderers.keySet()));
        return r;
    }

    public boolean has(String id) { return renderers.containsKey(id); }
}
