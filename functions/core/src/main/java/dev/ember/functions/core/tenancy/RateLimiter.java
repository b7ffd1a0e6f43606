package dev.ember.functions.core.tenancy;

import java.util.concurrent.CompletableFuture;

/** Admits a tenant's request against its plan's token bucket. */
public interface RateLimiter {
    /** No limits (local use). */
    RateLimiter NONE = tenant -> CompletableFuture.completedFuture(null);

    /**
     * Completes normally if the request may proceed, or exceptionally with an {@code
     * InferenceException} of reason RATE_LIMITED carrying when to retry.
     */
    CompletableFuture<Void> acquire(Tenant tenant);
}
