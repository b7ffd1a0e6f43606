package dev.ember.functions.core.tenancy;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.LongSupplier;

/**
 * Per-tenant token buckets in this process, for running without Redis: the semantics of {@link
 * RedisTokenBucket}, but each process enforces the plan on its own, so N gateways admit up to N
 * times the plan. Thread-safe; one lock per tenant. Buckets are kept for the process's life: there
 * is one per tenant of the directory, a bounded set.
 */
public final class LocalTokenBucket implements RateLimiter {
    private final MeterRegistry registry;
    private final LongSupplier nanoTime;
    private final ConcurrentMap<String, TokenBucket> buckets = new ConcurrentHashMap<>();

    public LocalTokenBucket(MeterRegistry registry) {
        this(registry, System::nanoTime);
    }

    /** @param nanoTime a monotonic clock in nanoseconds, like {@link System#nanoTime()} */
    public LocalTokenBucket(MeterRegistry registry, LongSupplier nanoTime) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    }

    @Override
    public CompletableFuture<Void> acquire(Tenant tenant) {
        Plan plan = tenant.plan();
        if (plan.unlimited()) {
            return CompletableFuture.completedFuture(null);
        }
        long now = nanoTime.getAsLong();
        long wait = buckets.computeIfAbsent(tenant.id(), id -> new TokenBucket(plan, now))
                .take(plan, now);
        return wait == 0
                ? CompletableFuture.completedFuture(null)
                : CompletableFuture.failedFuture(TokenBucket.denial(tenant, wait, registry));
    }
}
