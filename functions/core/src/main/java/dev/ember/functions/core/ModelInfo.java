package dev.ember.functions.core;

import dev.ember.pool.api.ModelMetadata;
import dev.ember.pool.api.config.ModelPolicy;
import java.util.Objects;

/**
 * What the gateway knows of a model version: its signature, its serving policy, and the version a
 * request without one resolves to (part of every cache key, so a new version never serves an old
 * version's answers), and whether the caller named that version ({@code pinned}) or lets the pool
 * route.
 */
public record ModelInfo(ModelMetadata metadata, ModelPolicy policy, String resolvedVersion, boolean pinned) {
    public ModelInfo {
        Objects.requireNonNull(metadata, "metadata");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(resolvedVersion, "resolvedVersion");
    }

    public static ModelInfo of(ModelMetadata metadata, String requestedVersion) {
        String resolved = requestedVersion != null
                ? requestedVersion
                : metadata.versions().stream()
                        .max((a, b) -> compareVersions(a, b))
                        .orElse("1");
        return new ModelInfo(metadata, ModelPolicy.from(metadata.parameters()), resolved, requestedVersion != null);
    }

    /** The version to ask the pool for: the caller's, or none so the pool routes (canary, switch). */
    public String requestVersion() {
        return pinned ? resolvedVersion : null;
    }

    public String name() {
        return metadata.name();
    }

    private static int compareVersions(String a, String b) {
        try {
            return Long.compare(Long.parseLong(a), Long.parseLong(b));
        } catch (NumberFormatException e) {
            return a.compareTo(b);
        }
    }
}
