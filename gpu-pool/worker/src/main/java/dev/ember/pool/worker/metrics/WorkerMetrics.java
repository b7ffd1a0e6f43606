package dev.ember.pool.worker.metrics;

import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.PriorityClass;
import dev.ember.pool.worker.batching.BatchObserver;
import dev.ember.pool.worker.batching.BatchTiming;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The worker's Prometheus metrics (Micrometer). Meters are created once per model and looked up
 * from plain maps on the request path.
 *
 * <ul>
 *   <li>{@code ember_requests_total{model,priority,outcome}}
 *   <li>{@code ember_request_duration_seconds{model,priority}} (histogram)
 *   <li>{@code ember_queue_wait_seconds{model,priority}} (histogram)
 *   <li>{@code ember_queue_depth{model,version,priority}}
 *   <li>{@code ember_batch_size{model}} (rows per batch, histogram)
 *   <li>{@code ember_compute_seconds{model}} (batch run time, histogram)
 *   <li>{@code ember_stage_seconds{model}} (stacking a batch's inputs, part of compute; histogram)
 *   <li>{@code ember_batch_padding{model}} (zero rows a batch was padded with, {@code pad_batches})
 *   <li>{@code ember_cold_start_seconds{phase}} (runtime_init, model_load, warmup; histogram)
 *   <li>{@code ember_batch_isolations_total{model}} (batches that failed in the model and were
 *       run again in halves to find the request at fault)
 *   <li>{@code ember_isolated_failures_total{model}} (requests that failed alone after that,
 *       answered 400 while their batch-mates were answered)
 * </ul>
 */
public final class WorkerMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    public MeterRegistry registry() {
        return registry;
    }

    /** Prometheus text exposition of every meter. */
    public String scrape() {
        return registry.scrape();
    }

    /** Records one phase of a cold start ({@code ember_cold_start_seconds{phase}}). */
    public void coldStart(String phase, Duration took) {
        Timer.builder("ember.cold.start")
                .description("Time spent making a model servable, by phase")
                .tag("phase", phase)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(120))
                .register(registry)
                .record(took);
    }

    /** The meters of one served model. */
    public ModelMeters forModel(String model) {
        return new ModelMeters(model);
    }

    /** Outcome label of a request: {@code ok} or the failure reason in lower case. */
    public static String outcome(Throwable failure) {
        if (failure == null) {
            return "ok";
        }
        return InferenceException.find(failure)
                .map(e -> e.reason().name().toLowerCase(Locale.ROOT))
                .orElse("model_error");
    }

    /** Meters of one model; implements the batcher's observer. */
    public final class ModelMeters implements BatchObserver {
        private final String model;
        private final Map<PriorityClass, Timer> durations = new EnumMap<>(PriorityClass.class);
        private final Map<PriorityClass, Timer> queueWaits = new EnumMap<>(PriorityClass.class);
        private final Map<String, Counter> requests = new ConcurrentHashMap<>();
        private final DistributionSummary batchSize;
        private final Timer compute;
        private final Timer stage;
        private final DistributionSummary padding;
        private final Counter isolations;
        private final Counter isolatedFailures;

        private ModelMeters(String model) {
            this.model = model;
            for (PriorityClass p : PriorityClass.values()) {
                durations.put(
                        p,
                        Timer.builder("ember.request.duration")
                                .description("Time from arrival to answer at the worker")
                                .tags("model", model, "priority", p.wireName())
                                .publishPercentileHistogram()
                                .minimumExpectedValue(Duration.ofMillis(1))
                                .maximumExpectedValue(Duration.ofSeconds(60))
                                .register(registry));
                queueWaits.put(
                        p,
                        Timer.builder("ember.queue.wait")
                                .description("Time a request waited for its batch to start")
                                .tags("model", model, "priority", p.wireName())
                                .publishPercentileHistogram()
                                .minimumExpectedValue(Duration.ofMillis(1))
                                .maximumExpectedValue(Duration.ofSeconds(60))
                                .register(registry));
            }
            batchSize = DistributionSummary.builder("ember.batch.size")
                    .description("Rows per batch")
                    .tags("model", model)
                    .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128, 256)
                    .register(registry);
            compute = Timer.builder("ember.compute")
                    .description("Run time of one batch")
                    .tags("model", model)
                    .publishPercentileHistogram()
                    .minimumExpectedValue(Duration.ofMillis(1))
                    .maximumExpectedValue(Duration.ofSeconds(60))
                    .register(registry);
            stage = Timer.builder("ember.stage")
                    .description("Time to stack one batch's inputs into the staging buffer (part of compute)")
                    .tags("model", model)
                    .publishPercentileHistogram()
                    .minimumExpectedValue(Duration.ofMillis(1))
                    .maximumExpectedValue(Duration.ofSeconds(10))
                    .register(registry);
            padding = DistributionSummary.builder("ember.batch.padding")
                    .description("Zero rows a batch was padded with up to a warmed size")
                    .tags("model", model)
                    .register(registry);
            isolations = Counter.builder("ember.batch.isolations")
                    .description("Batches that failed in the model and were run again in halves")
                    .tags("model", model)
                    .register(registry);
            isolatedFailures = Counter.builder("ember.isolated.failures")
                    .description("Requests that failed alone once their failed batch was split")
                    .tags("model", model)
                    .register(registry);
        }

        /** Registers the queue-depth gauge of one version; returns its id, to remove it at unload. */
        public Meter.Id queueDepth(String version, PriorityClass p, Supplier<Number> depth) {
            return Gauge.builder("ember.queue.depth", depth)
                    .description("Requests waiting")
                    .tags("model", model, "version", version, "priority", p.wireName())
                    .register(registry)
                    .getId();
        }

        public void remove(Meter.Id id) {
            registry.remove(id);
        }

        public void requestDone(PriorityClass p, Throwable failure, long nanos) {
            String outcome = outcome(failure);
            requests.computeIfAbsent(
                            p.wireName() + "/" + outcome,
                            k -> Counter.builder("ember.requests")
                                    .description("Inference requests by outcome")
                                    .tags("model", model, "priority", p.wireName(), "outcome", outcome)
                                    .register(registry))
                    .increment();
            durations.get(p).record(nanos, TimeUnit.NANOSECONDS);
        }

        @Override
        public void batchRan(int requestCount, long rows, long computeNanos) {
            batchSize.record(rows);
            compute.record(computeNanos, TimeUnit.NANOSECONDS);
        }

        @Override
        public void batchTimed(BatchTiming timing) {
            stage.record(timing.stageNanos(), TimeUnit.NANOSECONDS);
            padding.record(timing.paddedRows() - timing.rows());
        }

        @Override
        public void batchIsolated(int requests) {
            isolations.increment();
        }

        @Override
        public void failedAlone() {
            isolatedFailures.increment();
        }

        @Override
        public void queued(PriorityClass priority, long nanos) {
            queueWaits.get(priority).record(nanos, TimeUnit.NANOSECONDS);
        }
    }
}
