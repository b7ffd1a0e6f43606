package dev.ember.functions.core.resilience;

import dev.ember.functions.core.GatewayConfig;
import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.InferenceException.Reason;
import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.InferenceResponse;
import dev.ember.pool.api.PoolClient;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.github.resilience4j.micrometer.tagged.TaggedRetryMetrics;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.retry.RetryRegistry;
import io.github.resilience4j.timelimiter.TimeLimiter;
import io.github.resilience4j.timelimiter.TimeLimiterConfig;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.ConnectException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Calls to the pool, protected with resilience4j: a retry (with backoff) only when the pool could
 * not be reached at all — the request never ran — then a circuit breaker that opens when too many
 * calls fail for infrastructure reasons (unreachable, deadline, device), then an overall time
 * limit. An open circuit answers at once with UNAVAILABLE and when to retry, so callers degrade
 * instead of piling onto a sick pool. A worker's 429 is healthy backpressure: it never opens the
 * circuit. Breaker and retry metrics are bound to the registry ({@code resilience4j_*}).
 */
public final class ResilientPool {
    private final PoolClient pool;
    private final CircuitBreaker breaker;
    private final Retry retry;
    private final TimeLimiter timeLimiter;
    private final ScheduledExecutorService scheduler;
    private final Duration openFor;
    private final MeterRegistry registry;
    private final java.util.Map<String, io.micrometer.core.instrument.Timer> callTimers =
            new java.util.concurrent.ConcurrentHashMap<>();

    public ResilientPool(
            PoolClient pool, GatewayConfig config, MeterRegistry registry, ScheduledExecutorService scheduler) {
        this.registry = registry;
        this.pool = pool;
        this.scheduler = scheduler;
        this.openFor = config.breakerOpenFor();
        CircuitBreakerRegistry breakers = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(config.breakerWindow())
                .minimumNumberOfCalls(Math.min(config.breakerWindow(), 10))
                .failureRateThreshold(config.breakerFailureRate())
                .waitDurationInOpenState(config.breakerOpenFor())
                .permittedNumberOfCallsInHalfOpenState(3)
                .recordException(ResilientPool::isInfrastructureFailure)
                .build());
        this.breaker = breakers.circuitBreaker("pool");
        RetryRegistry retries = RetryRegistry.of(RetryConfig.custom()
                .maxAttempts(1 + config.connectionRetries())
                .intervalFunction(IntervalFunction.ofExponentialBackoff(Duration.ofMillis(25), 2))
                .retryOnException(ResilientPool::neverReachedThePool)
                .failAfterMaxAttempts(false)
                .build());
        this.retry = retries.retry("pool");
        this.timeLimiter = TimeLimiter.of(TimeLimiterConfig.custom()
                .timeoutDuration(config.poolTimeout())
                .cancelRunningFuture(true)
                .build());
        TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(breakers).bindTo(registry);
        TaggedRetryMetrics.ofRetryRegistry(retries).bindTo(registry);
    }

    public CompletableFuture<InferenceResponse> infer(String model, String version, InferenceRequest request) {
        long start = System.nanoTime();
        Supplier<CompletionStage<InferenceResponse>> call = () -> pool.infer(model, version, request);
        Supplier<CompletionStage<InferenceResponse>> retried = Retry.decorateCompletionStage(retry, scheduler, call);
        Supplier<CompletionStage<InferenceResponse>> guarded = CircuitBreaker.decorateCompletionStage(breaker, retried);
        CompletableFuture<InferenceResponse> result = new CompletableFuture<>();
        timeLimiter.executeCompletionStage(scheduler, guarded).whenComplete((r, e) -> {
            calls(model).record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
            if (e == null) {
                result.complete(r);
            } else {
                result.completeExceptionally(translate(e));
            }
        });
        return result;
    }

    /**
     * {@code ember_pool_calls_seconds{model}}: every call that went to the pool (cache misses), its
     * count and total time. The Knative autopilot reads its rate and mean (Little's law: rate × mean
     * = requests in the pool) to plan each pool Service's floor.
     */
    private io.micrometer.core.instrument.Timer calls(String model) {
        return callTimers.computeIfAbsent(
                model,
                m -> io.micrometer.core.instrument.Timer.builder("ember.pool.calls")
                        .description("Calls from the gateway to the pool, by model")
                        .tag("model", m)
                        .register(registry));
    }

    public CircuitBreaker.State state() {
        return breaker.getState();
    }

    private Throwable translate(Throwable e) {
        Throwable cause = unwrap(e);
        if (cause instanceof CallNotPermittedException) {
            return new InferenceException(
                    Reason.UNAVAILABLE,
                    "the pool is failing (circuit open after "
                            + Math.round(breaker.getMetrics().getFailureRate()) + "% of recent calls failed); retry in "
                            + openFor.toSeconds() + " s",
                    openFor,
                    null);
        }
        if (cause instanceof TimeoutException) {
            return new InferenceException(
                    Reason.DEADLINE_EXCEEDED, "the pool did not answer within the gateway's time limit", null, cause);
        }
        return cause;
    }

    /** The request reached no worker, so running it again cannot run it twice. */
    static boolean neverReachedThePool(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof ConnectException) {
                return true;
            }
        }
        return false;
    }

    static boolean isInfrastructureFailure(Throwable e) {
        Throwable cause = unwrap(e);
        if (cause instanceof InferenceException ie) {
            return ie.reason() == Reason.UNAVAILABLE
                    || ie.reason() == Reason.DEADLINE_EXCEEDED
                    || ie.reason() == Reason.DEVICE_ERROR;
        }
        return cause instanceof TimeoutException;
    }

    private static Throwable unwrap(Throwable e) {
        Throwable c = e;
        while ((c instanceof java.util.concurrent.CompletionException
                        || c instanceof java.util.concurrent.ExecutionException)
                && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }
}
