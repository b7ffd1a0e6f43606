package dev.ember.functions.core.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.ember.functions.core.redis.RedisLink;
import dev.ember.pool.api.InferenceRequest;
import io.lettuce.core.SetArgs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Hot keys shared by every gateway process: a sorted set per model ({@code <prefix>hot:<model>},
 * member = cache key, score = sampled hits) and each sampled request once ({@code
 * <prefix>req:<sha256>}). Both expire a day after the last sample, so a model nobody calls any
 * more leaves nothing behind.
 */
public final class RedisHotKeys implements HotKeys {
    private static final long KEEP_SECONDS = 86_400;

    private final RedisLink redis;
    private final String prefix;
    private final double sampleRate;
    private final Supplier<RandomGenerator> random;
    /**
     * Keys whose request this process stored within the hour: a hot key is sampled again and again,
     * and encoding its request each time (to a SET NX that then does nothing) was a twentieth of a
     * cache hit's CPU in a profile.
     */
    private final Cache<String, Boolean> stored = Caffeine.newBuilder()
            .maximumSize(10_000)
            .expireAfterWrite(Duration.ofHours(1))
            .build();

    /** @param sampleRate the share of requests counted (1 in 16 keeps Redis traffic low and the ranking right) */
    public RedisHotKeys(RedisLink redis, String keyPrefix, double sampleRate) {
        this(redis, keyPrefix, sampleRate, ThreadLocalRandom::current);
    }

    /** @param random where sampling draws from (a process restored from a snapshot re-seeds its own) */
    public RedisHotKeys(RedisLink redis, String keyPrefix, double sampleRate, Supplier<RandomGenerator> random) {
        this.redis = redis;
        this.prefix = keyPrefix;
        this.sampleRate = sampleRate;
        this.random = random;
    }

    @Override
    public void sample(String model, CacheKey key, InferenceRequest request) {
        if (sampleRate < 1 && random.get().nextDouble() >= sampleRate) {
            return;
        }
        redis.commands().ifPresent(c -> {
            String set = prefix + "hot:" + model;
            c.zincrby(set, 1, key.hex().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            c.expire(set, KEEP_SECONDS);
            if (stored.asMap().putIfAbsent(key.hex(), Boolean.TRUE) == null) {
                c.set(
                                prefix + "req:" + key.hex(),
                                StoredRequests.encode(request),
                                SetArgs.Builder.nx().ex(KEEP_SECONDS))
                        .exceptionally(e -> {
                            stored.invalidate(key.hex()); // not stored: try again next time
                            return null;
                        });
            }
        });
    }

    @Override
    public CompletableFuture<List<InferenceRequest>> top(String model, int count) {
        var commands = redis.commands();
        if (commands.isEmpty() || count <= 0) {
            return CompletableFuture.completedFuture(List.of());
        }
        var c = commands.get();
        return c.zrevrange(prefix + "hot:" + model, 0, count - 1L)
                .toCompletableFuture()
                .thenCompose(members -> {
                    List<CompletableFuture<Optional<InferenceRequest>>> reads = new ArrayList<>();
                    for (byte[] member : members) {
                        String hex = new String(member, java.nio.charset.StandardCharsets.US_ASCII);
                        reads.add(c.get(prefix + "req:" + hex)
                                .toCompletableFuture()
                                .thenApply(bytes -> bytes == null
                                        ? Optional.<InferenceRequest>empty()
                                        : StoredRequests.decode(bytes)));
                    }
                    return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
                            .thenApply(v -> reads.stream()
                                    .map(CompletableFuture::join)
                                    .flatMap(Optional::stream)
                                    .toList());
                })
                .exceptionally(e -> {
                    redis.reportFailure(e);
                    return List.of();
                });
    }
}
