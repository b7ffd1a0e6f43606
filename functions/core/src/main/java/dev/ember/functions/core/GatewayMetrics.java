package dev.ember.functions.core;

import dev.ember.pool.api.InferenceException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's own meters (Micrometer): answers by cache outcome, fallbacks, and latency by
 * outcome. Cache bypasses, rate limiting and the circuit breaker report through their owners.
 *
 * <ul>
 *   <li>{@code ember_gateway_answers_total{cache=hit|miss|coalesced|stale}}
 *   <li>{@code ember_gateway_fallbacks_total{model}}
 *   <li>{@code ember_gateway_admission_refused_total{model,priority}} (429s of the front door's
 *       priority admission, also counted as {@code outcome="overloaded"} below)
 *   <li>{@code ember_gateway_request_duration_seconds{outcome}} (histogram; outcome is the cache
 *       outcome or the failure reason)
 * </ul>
 */
public final class GatewayMetrics {
    private final MeterRegistry registry;
    private final Map<CacheOutcome, Counter> answers = new EnumMap<>(CacheOutcome.class);
    private final Map<String, Timer> latency = new ConcurrentHashMap<>();
    private final Map<String, Counter> fallbacks = new ConcurrentHashMap<>();
    private final Map<String, Counter> refused = new ConcurrentHashMap<>();

    public GatewayMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (CacheOutcome o : CacheOutcome.values()) {
            answers.put(
                    o,
                    Counter.builder("ember.gateway.answers")
                            .description("Answers by how they were obtained")
                            .tag("cache", o.wireName())
                            .register(registry));
        }
    }

    public MeterRegistry registry() {
        return registry;
    }

    void answered(CacheOutcome outcome, long nanos) {
        answers.get(outcome).increment();
        timer(outcome.wireName()).record(nanos, TimeUnit.NANOSECONDS);
    }

    void failed(Throwable failure, long nanos) {
        String outcome = InferenceException.find(failure)
                .map(e -> e.reason().name().toLowerCase(Locale.ROOT))
                .orElse("internal_error");
        timer(outcome).record(nanos, TimeUnit.NANOSECONDS);
    }

    void fallbackUsed(String model) {
        fallbacks
                .computeIfAbsent(
                        model,
                        m -> Counter.builder("ember.gateway.fallbacks")
                                .description("Answers given by a configured fallback model")
                                .tag("model", m)
                                .register(registry))
                .increment();
    }

    void refusedAtFrontDoor(String model, dev.ember.pool.api.PriorityClass priority) {
        refused.computeIfAbsent(
                        model + "/" + priority.wireName(),
                        k -> Counter.builder("ember.gateway.admission.refused")
                                .description("Requests the front door's priority admission answered 429")
                                .tags("model", model, "priority", priority.wireName())
                                .register(registry))
                .increment();
    }

    private Timer timer(String outcome) {
        return latency.computeIfAbsent(
                outcome,
                o -> Timer.builder("ember.gateway.request.duration")
                        .description("Time to answer an infer call at the gateway")
                        .tag("outcome", o)
                        .publishPercentileHistogram()
                        .minimumExpectedValue(Duration.ofMillis(1))
                        .maximumExpectedValue(Duration.ofSeconds(60))
                        .register(registry));
    }
}
