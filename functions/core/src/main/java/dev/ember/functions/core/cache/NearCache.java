package dev.ember.functions.core.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.ember.pool.api.InferenceResponse;
import dev.ember.pool.api.config.CachePolicy;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A bounded in-process tier in front of the shared cache: hot answers are served without a Redis
 * round trip. No invalidation is needed, because an entry never changes: its key hashes the model
 * version and the input bytes, and a deterministic model gives one answer for them. An entry is
 * kept here only while it is fresh (at most {@code maxAge}); stale answers, needed only when the
 * pool fails, are read from the shared tier.
 */
public final class NearCache implements ResponseCache {
    private final ResponseCache shared;
    private final Clock clock;
    private final Duration maxAge;
    private final Cache<String, CachedEntry> near;
    private final Counter nearHits;

    public NearCache(ResponseCache shared, long maxEntries, Duration maxAge, Clock clock, MeterRegistry registry) {
        this.shared = shared;
        this.clock = clock;
        this.maxAge = maxAge;
        this.near = Caffeine.newBuilder()
                .maximumSize(maxEntries)
                .expireAfter(new Expiry<String, CachedEntry>() {
                    @Override
                    public long expireAfterCreate(String key, CachedEntry value, long currentTime) {
                        return remainingFreshness(value).toNanos();
                    }

                    @Override
                    public long expireAfterUpdate(
                            String key, CachedEntry value, long currentTime, long currentDuration) {
                        return remainingFreshness(value).toNanos();
                    }

                    @Override
                    public long expireAfterRead(String key, CachedEntry value, long currentTime, long currentDuration) {
                        return currentDuration;
                    }
                })
                .build();
        this.nearHits = Counter.builder("ember.cache.near_hits")
                .description("Cache hits answered in-process, without a Redis round trip")
                .register(registry);
    }

    @Override
    public CompletableFuture<Optional<CachedEntry>> get(CacheKey key) {
        CachedEntry hot = near.getIfPresent(key.hex());
        if (hot != null && hot.freshAt(clock.instant())) {
            nearHits.increment();
            return CompletableFuture.completedFuture(Optional.of(hot));
        }
        return shared.get(key).thenApply(entry -> {
            entry.filter(e -> e.freshAt(clock.instant())).ifPresent(e -> near.put(key.hex(), e));
            return entry;
        });
    }

    @Override
    public CompletableFuture<Void> put(CacheKey key, InferenceResponse response, CachePolicy policy) {
        near.put(key.hex(), new CachedEntry(response, clock.instant().plus(policy.ttl())));
        return shared.put(key, response, policy);
    }

    @Override
    public void close() {
        shared.close();
    }

    private Duration remainingFreshness(CachedEntry e) {
        Duration left = Duration.between(clock.instant(), e.freshUntil());
        if (left.isNegative()) {
            return Duration.ZERO;
        }
        return left.compareTo(maxAge) > 0 ? maxAge : left;
    }
}
