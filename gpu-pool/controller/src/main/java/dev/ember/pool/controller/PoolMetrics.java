package dev.ember.pool.controller;

import dev.ember.pool.controller.scaling.ScaleDecision;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The local pool's meters:
 *
 * <ul>
 *   <li>{@code ember_workers{model,state=ready|draining|launching}}
 *   <li>{@code ember_worker_seconds_total{model}} — live workers × seconds: what the pool costs
 *   <li>{@code ember_pool_buffered{model}} — requests waiting for a worker: at zero, or while every
 *       ready worker holds all it should
 *   <li>{@code ember_pool_shed_total{model,priority}} — requests refused (429 with Retry-After) or
 *       whose deadline passed while they waited for a worker
 *   <li>{@code ember_pool_cold_waits_total{model}} — requests that had to wait for a worker to start
 *   <li>{@code ember_scale_decisions_total{model,reason}}, {@code ember_worker_crashes_total{model}},
 *       {@code ember_pool_retries_total{model}}
 *   <li>{@code ember_cold_start_seconds{phase}} and {@code ember_pool_spares} (spare runtimes
 *       waiting) are the launcher's
 * </ul>
 */
final class PoolMetrics {
    private final MeterRegistry registry;

    PoolMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    MeterRegistry registry() {
        return registry;
    }

    ModelMeters forModel(String model) {
        return new ModelMeters(model);
    }

    final class ModelMeters {
        private final String model;
        private final Counter workerSeconds;
        private final Counter crashes;
        private final Counter retries;
        private final Counter coldWaits;
        private final Map<ScaleDecision.Reason, Counter> decisions = new ConcurrentHashMap<>();
        private final Map<dev.ember.pool.api.PriorityClass, Counter> shed = new ConcurrentHashMap<>();

        private ModelMeters(String model) {
            this.model = model;
            this.workerSeconds = Counter.builder("ember.worker.seconds")
                    .description("Worker processes alive × seconds: the pool's pay-per-use cost")
                    .tag("model", model)
                    .register(registry);
            this.crashes = Counter.builder("ember.worker.crashes")
                    .description("Workers that exited without being asked to")
                    .tag("model", model)
                    .register(registry);
            this.retries = Counter.builder("ember.pool.retries")
                    .description("Requests sent again because their worker did not answer")
                    .tag("model", model)
                    .register(registry);
            this.coldWaits = Counter.builder("ember.pool.cold.waits")
                    .description("Requests that found no ready worker and waited for one to start")
                    .tag("model", model)
                    .register(registry);
        }

        void bind(
                Supplier<Number> ready,
                Supplier<Number> draining,
                Supplier<Number> launching,
                Supplier<Number> buffered) {
            gauge("ready", ready);
            gauge("draining", draining);
            gauge("launching", launching);
            Gauge.builder("ember.pool.buffered", buffered)
                    .description("Requests waiting for a worker: none is ready, or every ready one is full")
                    .tag("model", model)
                    .register(registry);
        }

        private void gauge(String state, Supplier<Number> value) {
            Gauge.builder("ember.workers", value)
                    .description("Workers of a model by state")
                    .tags("model", model, "state", state)
                    .register(registry);
        }

        /** Called once a second with the number of live workers. */
        void workerSeconds(long live) {
            workerSeconds.increment(live);
        }

        void crashed() {
            crashes.increment();
        }

        void retried() {
            retries.increment();
        }

        void shed(dev.ember.pool.api.PriorityClass priority) {
            shed.computeIfAbsent(
                            priority,
                            p -> Counter.builder("ember.pool.shed")
                                    .description("Requests refused, or out of time, while waiting for a worker")
                                    .tags("model", model, "priority", p.wireName())
                                    .register(registry))
                    .increment();
        }

        void waitedForColdStart() {
            coldWaits.increment();
        }

        void decided(ScaleDecision decision) {
            decisions
                    .computeIfAbsent(
                            decision.reason(),
                            r -> Counter.builder("ember.scale.decisions")
                                    .description("Scaling decisions by the rule that made them")
                                    .tags("model", model, "reason", r.name().toLowerCase(Locale.ROOT))
                                    .register(registry))
                    .increment();
        }
    }
}
