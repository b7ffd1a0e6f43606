package dev.ember.functions.core.admission;

import java.util.concurrent.ConcurrentHashMap;

/**
 * One {@link PriorityAdmission} per model, made on a model's first request that the catalog knew
 * (so a made-up name never gets one). Thread-safe.
 */
public final class FrontDoor {
    private final AdmissionSettings settings;
    private final ConcurrentHashMap<String, PriorityAdmission> models = new ConcurrentHashMap<>();

    public FrontDoor(AdmissionSettings settings) {
        this.settings = settings;
    }

    public PriorityAdmission of(String model) {
        return models.computeIfAbsent(model, m -> new PriorityAdmission(settings));
    }

    public AdmissionSettings settings() {
        return settings;
    }
}
