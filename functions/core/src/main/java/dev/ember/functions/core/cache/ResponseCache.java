package dev.ember.functions.core.cache;

import dev.ember.pool.api.InferenceResponse;
import dev.ember.pool.api.config.CachePolicy;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Answers by cache key, fresh or stale. Never fails the caller: a store that is down reads as a
 * miss and drops writes (counted by the implementation), so inference goes on without it.
 */
public interface ResponseCache extends AutoCloseable {

    /** The entry under {@code key}, fresh or stale, or empty. Completes normally, always. */
    CompletableFuture<Optional<CachedEntry>> get(CacheKey key);

    /**
     * Stores {@code response} as fresh for {@code policy.ttl()} and kept for {@code
     * policy.staleTtl()}; larger than {@code policy.maxEntryBytes()} it is not stored. Asynchronous.
     */
    CompletableFuture<Void> put(CacheKey key, InferenceResponse response, CachePolicy policy);

    @Override
    default void close() {}
}
