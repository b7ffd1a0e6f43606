package dev.ember.functions.core.jobs;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The job engine's meters (Micrometer), per class where it has one:
 *
 * <ul>
 *   <li>{@code ember_jobs_stream_length{class}}, {@code ember_jobs_pending{class}} (delivered, not
 *       acknowledged), {@code ember_jobs_backlog{class}} (accepted, unfinished), sampled each second
 *   <li>{@code ember_jobs_submitted_total{class}}, {@code ember_jobs_rejected_total{class}} (429 at the cap)
 *   <li>{@code ember_jobs_claimed_total} (taken over from a consumer that stopped answering),
 *       {@code ember_jobs_retried_total}, {@code ember_jobs_dead_lettered_total}, {@code
 *       ember_jobs_completed_total}
 *   <li>{@code ember_jobs_sink_deliveries_total}, {@code ember_jobs_sink_retries_total}
 *   <li>{@code ember_jobs_latency_seconds{class}}: submission → result stored (histogram)
 * </ul>
 */
public final class JobMetrics {
    private final Map<JobClass, AtomicLong> length = new EnumMap<>(JobClass.class);
    private final Map<JobClass, AtomicLong> pending = new EnumMap<>(JobClass.class);
    private final Map<JobClass, AtomicLong> backlog = new EnumMap<>(JobClass.class);
    private final Map<JobClass, Counter> submitted = new EnumMap<>(JobClass.class);
    private final Map<JobClass, Counter> rejected = new EnumMap<>(JobClass.class);
    private final Map<JobClass, Timer> latency = new EnumMap<>(JobClass.class);
    final Counter claimed;
    final Counter retried;
    final Counter deadLettered;
    final Counter completed;
    final Counter deliveries;
    final Counter deliveryRetries;

    public JobMetrics(MeterRegistry registry) {
        for (JobClass c : JobClass.values()) {
            String tag = c.wireName();
            length.put(c, gauge(registry, "ember.jobs.stream.length", "Entries in the class's stream", tag));
            pending.put(c, gauge(registry, "ember.jobs.pending", "Entries delivered and not acknowledged", tag));
            backlog.put(c, gauge(registry, "ember.jobs.backlog", "Jobs accepted and not finished", tag));
            submitted.put(
                    c,
                    Counter.builder("ember.jobs.submitted")
                            .description("Jobs accepted")
                            .tag("class", tag)
                            .register(registry));
            rejected.put(
                    c,
                    Counter.builder("ember.jobs.rejected")
                            .description("Submissions refused at the cap (429)")
                            .tag("class", tag)
                            .register(registry));
            latency.put(
                    c,
                    Timer.builder("ember.jobs.latency")
                            .description("Submission to result stored")
                            .tag("class", tag)
                            .publishPercentileHistogram()
                            .minimumExpectedValue(Duration.ofMillis(1))
                            .maximumExpectedValue(Duration.ofHours(1))
                            .register(registry));
        }
        claimed =
                counter(registry, "ember.jobs.claimed", "Jobs taken over from a consumer past the visibility timeout");
        retried = counter(registry, "ember.jobs.retried", "Failed runs that will run again");
        deadLettered = counter(registry, "ember.jobs.dead.lettered", "Jobs given up after their tries");
        completed = counter(registry, "ember.jobs.completed", "Jobs whose result this process stored");
        deliveries = counter(registry, "ember.jobs.sink.deliveries", "Completion events the sink accepted");
        deliveryRetries =
                counter(registry, "ember.jobs.sink.retries", "Completion event POSTs that failed and will be retried");
    }

    void sampled(JobClass c, long streamLength, long pendingEntries, long unfinished) {
        length.get(c).set(streamLength);
        pending.get(c).set(pendingEntries);
        backlog.get(c).set(unfinished);
    }

    void submitted(JobClass c, int jobs) {
        submitted.get(c).increment(jobs);
    }

    void rejected(JobClass c) {
        rejected.get(c).increment();
    }

    void finished(JobClass c, long submittedMillis, long nowMillis) {
        latency.get(c).record(Math.max(0, nowMillis - submittedMillis), TimeUnit.MILLISECONDS);
    }

    private static AtomicLong gauge(MeterRegistry registry, String name, String description, String tag) {
        AtomicLong value = new AtomicLong();
        Gauge.builder(name, value, AtomicLong::get)
                .description(description)
                .tag("class", tag)
                .register(registry);
        return value;
    }

    private static Counter counter(MeterRegistry registry, String name, String description) {
        return Counter.builder(name).description(description).register(registry);
    }
}
