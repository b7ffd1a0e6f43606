package dev.ember.functions.core.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.ember.pool.api.InferenceResponse;
import dev.ember.pool.api.config.CachePolicy;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * An in-process response cache (Caffeine), for running without Redis: bounded by the bytes its
 * entries would take in Redis, each expiring after its model's stale TTL. Answers are not shared
 * between processes. Entries are kept as objects, not bytes, so what a hit sends is made once per
 * entry ({@link CachedEntry#hit}), as in the near cache.
 */
public final class LocalResponseCache implements ResponseCache {
    private record Stored(CachedEntry entry, int weight, Duration keepFor) {}

    private final Clock clock;
    private final Cache<String, Stored> cache;

    public LocalResponseCache(long maxBytes, Clock clock) {
        this.clock = clock;
        this.cache = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .weigher((String k, Stored v) -> v.weight() + k.length())
                .expireAfter(new Expiry<String, Stored>() {
                    @Override
                    public long expireAfterCreate(String key, Stored value, long currentTime) {
                        return value.keepFor().toNanos();
                    }

                    @Override
                    public long expireAfterUpdate(String key, Stored value, long currentTime, long currentDuration) {
                        return value.keepFor().toNanos();
                    }

                    @Override
                    public long expireAfterRead(String key, Stored value, long currentTime, long currentDuration) {
                        return currentDuration;
                    }
                })
                .build();
    }

    @Override
    public CompletableFuture<Optional<CachedEntry>> get(CacheKey key) {
        Stored s = cache.getIfPresent(key.hex());
        return CompletableFuture.completedFuture(s == null ? Optional.empty() : Optional.of(s.entry()));
    }

    @Override
    public CompletableFuture<Void> put(CacheKey key, InferenceResponse response, CachePolicy policy) {
        CachedEntry entry = new CachedEntry(response, clock.instant().plus(policy.ttl()));
        long size = CachedEntryFormat.sizeOf(entry);
        if (size <= policy.maxEntryBytes()) {
            cache.put(key.hex(), new Stored(entry, (int) Math.min(Integer.MAX_VALUE, size), policy.staleTtl()));
        }
        return CompletableFuture.completedFuture(null);
    }
}
