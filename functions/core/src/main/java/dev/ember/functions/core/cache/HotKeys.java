package dev.ember.functions.core.cache;

import dev.ember.pool.api.InferenceRequest;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Which requests a model gets most, sampled as they arrive, with each sampled request kept so it
 * can be computed again — against a new version before that version takes traffic. Sampling never
 * slows or fails the request path.
 */
public interface HotKeys {
    HotKeys NONE = new HotKeys() {
        @Override
        public void sample(String model, CacheKey key, InferenceRequest request) {}

        @Override
        public CompletableFuture<List<InferenceRequest>> top(String model, int count) {
            return CompletableFuture.completedFuture(List.of());
        }
    };

    /** Counts one request for {@code key} (with the configured probability). */
    void sample(String model, CacheKey key, InferenceRequest request);

    /** The {@code count} most requested inputs of {@code model}, most requested first. */
    CompletableFuture<List<InferenceRequest>> top(String model, int count);
}
