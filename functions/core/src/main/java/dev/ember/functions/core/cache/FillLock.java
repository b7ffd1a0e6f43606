package dev.ember.functions.core.cache;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The right to compute an answer that several gateway processes want at once: the holder calls the
 * pool and fills the cache, the others wait for the fill. Held for at most a TTL, so a holder that
 * dies only delays the others.
 */
public interface FillLock {
    /** A single process has no one to coordinate with: the lock is always granted. */
    FillLock SINGLE_PROCESS = (key, ttl) -> CompletableFuture.completedFuture(Optional.of(() -> {}));

    /** A lock being held; release it once the cache is filled. */
    interface Held {
        void release();
    }

    /** Granted, or empty if another process holds it. Unreachable coordination grants it. */
    CompletableFuture<Optional<Held>> tryAcquire(CacheKey key, Duration ttl);
}
