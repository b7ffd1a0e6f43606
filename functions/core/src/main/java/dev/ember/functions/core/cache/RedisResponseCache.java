package dev.ember.functions.core.cache;

import dev.ember.functions.core.redis.RedisLink;
import dev.ember.pool.api.InferenceResponse;
import dev.ember.pool.api.config.CachePolicy;
import io.lettuce.core.SetArgs;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The response cache in Redis: one key per answer ({@code <prefix>c:<sha256>}), holding the
 * answer and until when it is fresh, expiring after the stale TTL. One GET answers both "is there a
 * fresh answer" and "is there a stale one to fall back on". While Redis is unreachable every read
 * is a miss and every write is dropped, counted in {@code ember_cache_bypassed_total}.
 */
public final class RedisResponseCache implements ResponseCache {
    private final RedisLink redis;
    private final String prefix;
    private final Clock clock;
    private final Counter bypassed;
    private final Counter tooLarge;

    public RedisResponseCache(RedisLink redis, String keyPrefix, Clock clock, MeterRegistry registry) {
        this.redis = redis;
        this.prefix = keyPrefix + "c:";
        this.clock = clock;
        this.bypassed = Counter.builder("ember.cache.bypassed")
                .description("Cache reads and writes skipped because Redis was unreachable")
                .register(registry);
        this.tooLarge = Counter.builder("ember.cache.too_large")
                .description("Answers not cached because they exceed the model's max_entry_bytes")
                .register(registry);
    }

    @Override
    public CompletableFuture<Optional<CachedEntry>> get(CacheKey key) {
        var commands = redis.commands();
        if (commands.isEmpty()) {
            bypassed.increment();
            return CompletableFuture.completedFuture(Optional.empty());
        }
        return commands.get().get(prefix + key.hex()).toCompletableFuture().handle((bytes, error) -> {
            if (error != null) {
                redis.reportFailure(error);
                bypassed.increment();
                return Optional.empty();
            }
            redis.reportSuccess();
            return bytes == null ? Optional.empty() : CachedEntryFormat.decode(bytes);
        });
    }

    @Override
    public CompletableFuture<Void> put(CacheKey key, InferenceResponse response, CachePolicy policy) {
        var commands = redis.commands();
        if (commands.isEmpty()) {
            bypassed.increment();
            return CompletableFuture.completedFuture(null);
        }
        byte[] value = CachedEntryFormat.encode(
                new CachedEntry(response, clock.instant().plus(policy.ttl())));
        if (value.length > policy.maxEntryBytes()) {
            tooLarge.increment();
            return CompletableFuture.completedFuture(null);
        }
        return commands.get()
                .set(
                        prefix + key.hex(),
                        value,
                        SetArgs.Builder.px(policy.staleTtl().toMillis()))
                .toCompletableFuture()
                .handle((ok, error) -> {
                    if (error != null) {
                        redis.reportFailure(error);
                        bypassed.increment();
                    }
                    return null;
                });
    }
}
