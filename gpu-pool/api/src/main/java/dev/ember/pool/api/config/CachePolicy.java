package dev.ember.pool.api.config;

import java.time.Duration;
import java.util.Objects;

/**
 * How the functions' response cache treats a model's answers: whether to cache, for how long, the
 * longer-lived stale copy served when the pool fails, and the largest entry worth storing.
 */
public record CachePolicy(boolean enabled, Duration ttl, Duration staleTtl, int maxEntryBytes) {
    public static final CachePolicy DEFAULT =
            new CachePolicy(true, Duration.ofMinutes(5), Duration.ofHours(1), 1 << 20);

    public CachePolicy {
        Objects.requireNonNull(ttl, "ttl");
        Objects.requireNonNull(staleTtl, "staleTtl");
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("cache ttl_seconds must be > 0");
        }
        if (staleTtl.compareTo(ttl) < 0) {
            throw new IllegalArgumentException("cache stale_ttl_seconds must be ≥ ttl_seconds");
        }
        if (maxEntryBytes < 1) {
            throw new IllegalArgumentException("cache max_entry_bytes must be ≥ 1");
        }
    }
}
