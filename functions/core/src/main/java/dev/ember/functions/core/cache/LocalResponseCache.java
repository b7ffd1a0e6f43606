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
 * An in-process response cache (Caffeine), for running without Redis: bounded by bytes, each
 * entry expiring after its model's stale TTL. Answers are not shared between processes.
 */
public final class LocalResponseCache implements ResponseCache {
    private record Stored(byte[] bytes, Duration keepFor) {}

    private final Clock clock;
    private final Cache<String, Stored> cache;

    public LocalResponseCache(long maxBytes, Clock clock) {
        this.clock = clock;
        this.cache = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .weigher((String k, Stored v) -> v.bytes().length + k.length())
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
        return CompletableFuture.completedFuture(s == null ? Optional.empty() : CachedEntryFormat.decode(s.bytes()));
    }

    @Override
    public CompletableFuture<Void> put(CacheKey key, InferenceResponse response, CachePolicy policy) {
        byte[] value = CachedEntryFormat.encode(
                new CachedEntry(response, clock.instant().plus(policy.ttl())));
        if (value.length <= policy.maxEntryBytes()) {
            cache.put(key.hex(), new Stored(value, policy.staleTtl()));
        }
        return CompletableFuture.completedFuture(null);
    }
}
