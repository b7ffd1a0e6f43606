package dev.ember.pool.api;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The inference pool as its callers see it: asynchronous, typed. Failures complete the future
 * with an {@link InferenceException}. Priority and deadline travel in the request's parameters
 * ({@link Protocol#PRIORITY}, {@link Protocol#TIMEOUT_MS}).
 */
public interface PoolClient extends AutoCloseable {

    /** Runs {@code request} on {@code model}; {@code version} null means the latest. */
    CompletableFuture<InferenceResponse> infer(String model, String version, InferenceRequest request);

    /** The model's signature; {@code version} null means the latest. */
    CompletableFuture<ModelMetadata> metadata(String model, String version);

    /** True if the model (version) can take requests now. */
    CompletableFuture<Boolean> ready(String model, String version);

    /** Every model version the pool serves, and whether it is ready. */
    CompletableFuture<List<ModelStatus>> models();

    @Override
    default void close() {}
}
