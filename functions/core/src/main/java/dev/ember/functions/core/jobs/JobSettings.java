package dev.ember.functions.core.jobs;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How the job engine behaves.
 *
 * @param keyPrefix prefix of every key (the gateway's)
 * @param streamCap jobs a class may hold accepted and unfinished; past it submissions get 429
 * @param concurrency jobs one consumer process runs at once
 * @param visibilityTimeout how long a job may stay with a consumer before another may claim it (its
 *     consumer is taken for dead); longer than any job takes
 * @param maxAttempts runs of a job before it goes to the dead-letter stream
 * @param backoffBase delay before the second run; doubled for each later one
 * @param backoffMax the longest delay between two runs (below {@code visibilityTimeout})
 * @param jobTtl how long a job's record (and its idempotency key, its result) is kept after
 *     submission and again after it finished
 * @param sink where the completion events of the jobs this process finishes go when a submission
 *     named no callback ({@code K_SINK}); empty: those results are only polled
 * @param callbackAllow URL prefixes a submission's {@code callback} must start with; empty: callbacks refused
 */
public record JobSettings(
        String keyPrefix,
        long streamCap,
        int concurrency,
        Duration visibilityTimeout,
        int maxAttempts,
        Duration backoffBase,
        Duration backoffMax,
        Duration jobTtl,
        Optional<URI> sink,
        List<String> callbackAllow) {

    public static final JobSettings DEFAULTS = new JobSettings(
            "ember:",
            100_000,
            32,
            Duration.ofSeconds(30),
            5,
            Duration.ofMillis(200),
            Duration.ofSeconds(10),
            Duration.ofHours(24),
            Optional.empty(),
            List.of());

    public JobSettings {
        Objects.requireNonNull(keyPrefix, "keyPrefix");
        Objects.requireNonNull(sink, "sink");
        callbackAllow = List.copyOf(callbackAllow);
        if (streamCap < 1 || concurrency < 1 || maxAttempts < 1) {
            throw new IllegalArgumentException("streamCap, concurrency and maxAttempts must be ≥ 1");
        }
        if (backoffBase.isNegative() || backoffMax.compareTo(backoffBase) < 0) {
            throw new IllegalArgumentException("backoff: 0 ≤ base ≤ max");
        }
        if (visibilityTimeout.compareTo(backoffMax) <= 0) {
            throw new IllegalArgumentException(
                    "the visibility timeout must be longer than the longest backoff, or a job waiting for its"
                            + " next run would be claimed by another consumer");
        }
        if (jobTtl.toSeconds() < 1) {
            throw new IllegalArgumentException("jobTtl must be at least 1 s");
        }
    }

    public JobSettings withKeyPrefix(String prefix) {
        return new JobSettings(
                prefix,
                streamCap,
                concurrency,
                visibilityTimeout,
                maxAttempts,
                backoffBase,
                backoffMax,
                jobTtl,
                sink,
                callbackAllow);
    }

    public JobSettings withStreamCap(long cap) {
        return new JobSettings(
                keyPrefix,
                cap,
                concurrency,
                visibilityTimeout,
                maxAttempts,
                backoffBase,
                backoffMax,
                jobTtl,
                sink,
                callbackAllow);
    }

    public JobSettings withConcurrency(int n) {
        return new JobSettings(
                keyPrefix,
                streamCap,
                n,
                visibilityTimeout,
                maxAttempts,
                backoffBase,
                backoffMax,
                jobTtl,
                sink,
                callbackAllow);
    }

    public JobSettings withRetries(int attempts, Duration base, Duration max, Duration visibility) {
        return new JobSettings(
                keyPrefix, streamCap, concurrency, visibility, attempts, base, max, jobTtl, sink, callbackAllow);
    }

    public JobSettings withSink(Optional<URI> sink, List<String> allow) {
        return new JobSettings(
                keyPrefix,
                streamCap,
                concurrency,
                visibilityTimeout,
                maxAttempts,
                backoffBase,
                backoffMax,
                jobTtl,
                sink,
                allow);
    }
}
