package dev.ember.load.run;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A way to deploy Ember for a compare run, as settings that really switch features off: config.yaml
 * keys merged into every model the profile uses, and environment variables of the functions.
 *
 * <ul>
 *   <li><b>naive</b>: no batching ({@code max_batch_size: 0}), no response cache ({@code cache:
 *       {enabled: false}}: no Redis or near cache, no coalescing), no warm pool (no warm floor, no
 *       initial workers, no scale-to-zero grace: a worker is kept only while load asks for it), no
 *       spare runtime ({@code EMBER_POOL_LOCAL_SPARES=0}: a cold start spawns a JVM).
 *   <li><b>+batching</b>: naive with the model's own batching.
 *   <li><b>+cache</b>: +batching with the response cache.
 *   <li><b>full</b>: Ember as shipped (spare runtime, warm pool defaults).
 * </ul>
 */
public record Configuration(String name, Map<String, Object> modelSettings, Map<String, String> environment) {
    private static final Map<String, Object> NO_WARM_POOL =
            Map.of("scaling", Map.of("min_warm", 0, "initial_scale", 0, "scale_to_zero_grace_seconds", 0));
    private static final Map<String, Object> NO_CACHE = Map.of("cache", Map.of("enabled", false));
    private static final Map<String, Object> NO_BATCHING = Map.of("max_batch_size", 0);
    private static final Map<String, String> NO_SPARE = Map.of("EMBER_POOL_LOCAL_SPARES", "0");

    public static final Configuration NAIVE =
            new Configuration("naive", merged(NO_BATCHING, NO_CACHE, NO_WARM_POOL), NO_SPARE);
    public static final Configuration BATCHING =
            new Configuration("+batching", merged(NO_CACHE, NO_WARM_POOL), NO_SPARE);
    public static final Configuration CACHE = new Configuration("+cache", merged(NO_WARM_POOL), NO_SPARE);
    public static final Configuration FULL = new Configuration("full", Map.of(), Map.of());

    /** The compare mode's configurations, naive first: every ratio is to it. */
    public static final List<Configuration> COMPARED = List.of(NAIVE, BATCHING, CACHE, FULL);

    public Configuration {
        modelSettings = Map.copyOf(modelSettings);
        environment = Map.copyOf(environment);
    }

    /** The profile's own settings for each model, with this configuration's on top. */
    public Map<String, Map<String, Object>> overrides(List<String> models, Map<String, Map<String, Object>> profile) {
        Map<String, Map<String, Object>> out = new LinkedHashMap<>(profile);
        if (!modelSettings.isEmpty()) {
            for (String m : models) {
                out.put(m, deepMerge(out.getOrDefault(m, Map.of()), modelSettings));
            }
        }
        return out;
    }

    @SafeVarargs
    private static Map<String, Object> merged(Map<String, Object>... parts) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map<String, Object> p : parts) {
            out = deepMerge(out, p);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> deepMerge(Map<String, Object> base, Map<String, Object> top) {
        Map<String, Object> out = new LinkedHashMap<>(base);
        top.forEach((k, v) -> {
            Object existing = out.get(k);
            if (existing instanceof Map<?, ?> e && v instanceof Map<?, ?> t) {
                out.put(k, deepMerge((Map<String, Object>) e, (Map<String, Object>) t));
            } else {
                out.put(k, v);
            }
        });
        return out;
    }
}
