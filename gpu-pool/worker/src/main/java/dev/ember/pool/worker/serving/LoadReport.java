package dev.ember.pool.worker.serving;

import dev.ember.pool.worker.warmup.ColdStart;
import java.util.List;
import java.util.Map;

/**
 * What a load did: versions newly loaded (with what each cost), versions retired, and the canary if
 * a new version went in as one.
 */
public record LoadReport(String model, Map<String, ColdStart> loaded, List<String> retired, String canary) {
    public LoadReport {
        loaded = Map.copyOf(loaded);
        retired = List.copyOf(retired);
    }
}
