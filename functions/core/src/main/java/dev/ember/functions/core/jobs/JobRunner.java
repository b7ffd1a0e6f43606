package dev.ember.functions.core.jobs;

import dev.ember.functions.core.Admission;
import dev.ember.functions.core.InferenceGateway;
import dev.ember.pool.api.EventTypes;
import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.codec.InferenceCodec;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs one job: its request through the same {@link InferenceGateway} as a synchronous call (cache,
 * coalescing, the fallback ladder), then stores the result once with its completion event. Storing
 * is retried while Redis cannot answer (the answer is in hand; losing it would cost a re-run, not a
 * job), for up to {@link #STORE_PATIENCE}; after that the job's entry is still pending and another
 * run stores it.
 */
final class JobRunner {
    static final Duration STORE_PATIENCE = Duration.ofSeconds(60);
    private static final long STORE_RETRY_MS = 250;

    private final InferenceGateway gateway;
    private final InferenceCodec codec;
    private final JobStore store;
    private final JobMetrics metrics;
    private final Clock clock;
    private final ScheduledExecutorService timer;
    private final java.util.Optional<String> sink;

    JobRunner(
            InferenceGateway gateway,
            InferenceCodec codec,
            JobStore store,
            JobMetrics metrics,
            Clock clock,
            ScheduledExecutorService timer,
            java.util.Optional<String> sink) {
        this.gateway = gateway;
        this.codec = codec;
        this.store = store;
        this.metrics = metrics;
        this.clock = clock;
        this.timer = timer;
        this.sink = sink;
    }

    /**
     * Runs {@code job} and stores its response (acknowledging {@code entryId}, null for none).
     * Completes with true when this run stored the result, false when an earlier run had; fails with
     * the run's failure (nothing stored) when the gateway could not answer.
     */
    CompletableFuture<Boolean> run(Job job, String entryId) {
        CompletableFuture<byte[]> answer;
        try {
            InferenceRequest request = codec.decodeRequest(job.request(), job.jsonLength());
            answer = gateway.answerAdmitted(new Admission(job.tenant(), job.model(), job.version(), request))
                    .thenApply(a ->
                            codec.encodeResponse(a.response(), name -> false).bytes());
        } catch (InferenceException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        return answer.thenCompose(bytes -> store(job, true, bytes, entryId, EventTypes.COMPLETED));
    }

    /** Gives {@code job} up: failed with {@code reason}, in the dead-letter stream, its failed event sent. */
    CompletableFuture<Boolean> deadLetter(Job job, String reason, String entryId) {
        return store(job, false, reason.getBytes(StandardCharsets.UTF_8), entryId, EventTypes.FAILED)
                .thenApply(first -> {
                    if (first) {
                        metrics.deadLettered.increment();
                    }
                    return first;
                });
    }

    private CompletableFuture<Boolean> store(Job job, boolean done, byte[] payload, String entryId, String type) {
        CompletableFuture<Boolean> stored = new CompletableFuture<>();
        long giveUpAt = System.nanoTime() + STORE_PATIENCE.toNanos();
        attemptStore(job, done, payload, entryId, type, stored, giveUpAt);
        return stored.thenApply(first -> {
            if (first) {
                long now = clock.millis();
                metrics.finished(job.jobClass(), job.submittedMillis(), now);
                if (done) {
                    metrics.completed.increment();
                }
            }
            return first;
        });
    }

    private void attemptStore(
            Job job,
            boolean done,
            byte[] payload,
            String entryId,
            String type,
            CompletableFuture<Boolean> stored,
            long giveUpAt) {
        CompletableFuture<Boolean> attempt;
        try {
            attempt = store.finish(job, done, payload, entryId, type, clock.millis(), sink);
        } catch (InferenceException e) {
            attempt = CompletableFuture.failedFuture(e);
        }
        attempt.whenComplete((first, e) -> {
            if (e == null) {
                stored.complete(first);
            } else if (System.nanoTime() > giveUpAt || timer.isShutdown()) {
                stored.completeExceptionally(e);
            } else {
                timer.schedule(
                        () -> attemptStore(job, done, payload, entryId, type, stored, giveUpAt),
                        STORE_RETRY_MS,
                        TimeUnit.MILLISECONDS);
            }
        });
    }
}
