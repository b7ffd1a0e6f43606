package dev.ember.pool.api.config;

import dev.ember.pool.api.Parameters;
import java.time.Duration;
import java.util.Optional;

/**
 * The part of a model's config.yaml that callers of the pool act on — caching, determinism,
 * fallback, batch limit — carried in the {@code parameters} of the model's metadata. The worker
 * publishes it; a gateway in front of a remote pool reads it, so config.yaml stays the one source.
 *
 * @param maxBatchSize rows one request may carry (0: the model does not batch)
 */
public record ModelPolicy(boolean deterministic, CachePolicy cache, String fallback, int maxBatchSize) {
    public static final String DETERMINISTIC = "ember.deterministic";
    public static final String CACHE_ENABLED = "ember.cache.enabled";
    public static final String CACHE_TTL_SECONDS = "ember.cache.ttl_seconds";
    public static final String CACHE_STALE_TTL_SECONDS = "ember.cache.stale_ttl_seconds";
    public static final String CACHE_MAX_ENTRY_BYTES = "ember.cache.max_entry_bytes";
    public static final String FALLBACK = "ember.fallback";
    public static final String MAX_BATCH_SIZE = "ember.max_batch_size";

    /** What a server that publishes no policy implies: deterministic, default cache, no fallback. */
    public static final ModelPolicy DEFAULT = new ModelPolicy(true, CachePolicy.DEFAULT, null, 0);

    public static ModelPolicy of(ModelConfig config, boolean batched) {
        return new ModelPolicy(
                config.deterministic(), config.cache(), config.fallback(), batched ? config.maxBatchSize() : 0);
    }

    /** Reads the policy from metadata parameters; absent keys take {@link #DEFAULT}'s values. */
    public static ModelPolicy from(Parameters p) {
        CachePolicy d = CachePolicy.DEFAULT;
        Duration ttl = p.integer(CACHE_TTL_SECONDS).map(Duration::ofSeconds).orElse(d.ttl());
        Duration stale =
                p.integer(CACHE_STALE_TTL_SECONDS).map(Duration::ofSeconds).orElse(max(ttl, d.staleTtl()));
        CachePolicy cache = new CachePolicy(
                p.bool(CACHE_ENABLED).orElse(d.enabled()),
                ttl,
                stale,
                p.integer(CACHE_MAX_ENTRY_BYTES).map(Long::intValue).orElse(d.maxEntryBytes()));
        return new ModelPolicy(
                p.bool(DETERMINISTIC).orElse(true),
                cache,
                p.string(FALLBACK).orElse(null),
                p.integer(MAX_BATCH_SIZE).map(Long::intValue).orElse(0));
    }

    public Parameters toParameters() {
        Parameters p = Parameters.EMPTY
                .with(DETERMINISTIC, deterministic)
                .with(CACHE_ENABLED, cache.enabled())
                .with(CACHE_TTL_SECONDS, cache.ttl().toSeconds())
                .with(CACHE_STALE_TTL_SECONDS, cache.staleTtl().toSeconds())
                .with(CACHE_MAX_ENTRY_BYTES, (long) cache.maxEntryBytes())
                .with(MAX_BATCH_SIZE, (long) maxBatchSize);
        return fallback == null ? p : p.with(FALLBACK, fallback);
    }

    /** True if answers may be cached: the model is deterministic and its cache is on. */
    public boolean cacheable() {
        return deterministic && cache.enabled();
    }

    public Optional<String> optionalFallback() {
        return Optional.ofNullable(fallback);
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
