package dev.ember.functions.core.cache;

import dev.ember.pool.api.InferenceResponse;
import java.time.Instant;
import java.util.Objects;

/**
 * A cached answer and until when it is fresh. Past that instant it is stale: it stays stored (up
 * to the policy's stale TTL) only to answer when the pool cannot.
 */
public record CachedEntry(InferenceResponse response, Instant freshUntil) {
    public CachedEntry {
        Objects.requireNonNull(response, "response");
        Objects.requireNonNull(freshUntil, "freshUntil");
    }

    public boolean freshAt(Instant now) {
        return now.isBefore(freshUntil);
    }
}
