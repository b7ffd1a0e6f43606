package dev.ember.functions.core;

import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.ember.pool.api.PoolClient;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Model signatures and policies, asked of the pool once per {@code ttl} and shared by every
 * request meanwhile. After {@code ttl} the next request refreshes in the background while the known
 * value keeps answering, and a failed refresh keeps it: a pool that is down must not also make the
 * gateway forget the signature it needs to serve stale answers. A failed first lookup is not
 * remembered, so a model that appears is seen at once; an entry unused for an hour is dropped.
 */
public final class ModelCatalog {
    private record Key(String model, String version) {}

    private final AsyncLoadingCache<Key, ModelInfo> cache;

    public ModelCatalog(PoolClient pool, Duration ttl) {
        this.cache = Caffeine.newBuilder()
                .maximumSize(10_000)
                .refreshAfterWrite(ttl.isZero() ? Duration.ofMillis(1) : ttl)
                .expireAfterAccess(Duration.ofHours(1))
                .buildAsync((key, executor) ->
                        pool.metadata(key.model(), key.version()).thenApply(m -> ModelInfo.of(m, key.version())));
    }

    public CompletableFuture<ModelInfo> get(String model, String version) {
        return cache.get(new Key(model, version));
    }

    /** Asks the pool again now (in the background), e.g. when an answer came from another version. */
    public void refresh(String model) {
        cache.synchronous().refresh(new Key(model, null));
    }
}
