package dev.ember.functions.lambda.sqs;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.ember.functions.core.jobs.Job;
import dev.ember.functions.core.jobs.JobEngine;
import dev.ember.functions.core.jobs.RetryPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One SQS batch through the async job engine: each message is one job ({@link JobMessages}), all
 * of the batch's at once. A message's job is taken ({@link JobEngine#claim}: admitted like a
 * synchronous call and recorded the first time), run through the gateway and its result stored once
 * with its completion event ({@link JobEngine#runNow}). Only the messages SQS must deliver again
 * are reported ({@link Outcome#reported}): a failed run that has tries left ({@link RetryPolicy}
 * with {@code maxAttempts}; the queue's visibility timeout is the backoff), a refused submission
 * (until the queue's maxReceiveCount moves it to the DLQ), anything that failed before the job was
 * recorded. A run that failed its last try is recorded failed and dead-lettered by the engine, and
 * the message deleted. A redelivery of a finished job runs nothing.
 */
public final class SqsJobs {
    private static final System.Logger LOG = System.getLogger(SqsJobs.class.getName());

    private final JobEngine engine;
    private final JobMessages messages;
    private final RetryPolicy policy;

    public SqsJobs(JobEngine engine, JobMessages messages, int maxAttempts) {
        this.engine = engine;
        this.messages = messages;
        // Only the count is the engine's to apply: between tries SQS waits out the visibility timeout.
        this.policy = new RetryPolicy(maxAttempts, Duration.ZERO, Duration.ZERO);
    }

    /** The batch's outcomes, in its order; every message gets one (none throws). */
    public List<Outcome> run(SQSEvent event) {
        List<SQSEvent.SQSMessage> records = event.getRecords() == null ? List.of() : event.getRecords();
        List<CompletableFuture<Outcome>> running = new ArrayList<>(records.size());
        for (SQSEvent.SQSMessage m : records) {
            running.add(one(m));
        }
        List<Outcome> out = new ArrayList<>(running.size());
        for (CompletableFuture<Outcome> f : running) {
            out.add(f.join()); // bounded: every wait in the gateway and the engine is
        }
        return out;
    }

    /** {@link #run} as Lambda reads it: the ids of the messages to deliver again. */
    public SQSBatchResponse respond(SQSEvent event) {
        List<SQSEvent.SQSMessage> records = event.getRecords() == null ? List.of() : event.getRecords();
        List<Outcome> outcomes = run(event);
        List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
        for (int i = 0; i < outcomes.size(); i++) {
            if (outcomes.get(i).reported()) {
                failures.add(
                        new SQSBatchResponse.BatchItemFailure(records.get(i).getMessageId()));
            }
        }
        return new SQSBatchResponse(failures);
    }

    private CompletableFuture<Outcome> one(SQSEvent.SQSMessage m) {
        String jobId;
        try {
            jobId = JobMessages.jobId(m.getMessageId());
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(logged(m, new Outcome.Refused("-", e.getMessage())));
        }
        CompletableFuture<Outcome> outcome;
        try {
            outcome = engine.claim(jobId, () -> messages.submission(m))
                    .thenCompose(job -> job.isPresent()
                            ? runClaimed(job.get())
                            : CompletableFuture.completedFuture(new Outcome.AlreadyFinished(jobId)));
        } catch (RuntimeException e) {
            outcome = CompletableFuture.failedFuture(e);
        }
        return outcome.exceptionally(e -> Outcome.notTaken(jobId, e)).thenApply(o -> logged(m, o));
    }

    private CompletableFuture<Outcome> runClaimed(Job job) {
        return engine.runNow(job)
                .<Outcome>thenApply(first -> new Outcome.Stored(job.id()))
                .exceptionallyCompose(e -> {
                    RetryPolicy.Decision d = policy.afterDelivery(job.attempts(), e);
                    if (d instanceof RetryPolicy.DeadLetter dead) {
                        return engine.deadLetter(job, dead.reason())
                                .thenApply(x -> new Outcome.DeadLettered(job.id(), dead.reason()));
                    }
                    String reason = RetryPolicy.reason(e);
                    return engine.requeue(job, reason).handle((x, ignored) -> new Outcome.Retry(job.id(), reason));
                });
    }

    private static Outcome logged(SQSEvent.SQSMessage m, Outcome o) {
        if (o instanceof Outcome.Refused r) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "SQS message {0} (job {1}) refused, left for the queue''s DLQ: {2}",
                    m.getMessageId(),
                    r.jobId(),
                    r.reason());
        } else if (o instanceof Outcome.Retry r) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "SQS message {0} (job {1}) failed, delivered again later: {2}",
                    m.getMessageId(),
                    r.jobId(),
                    r.reason());
        } else if (o instanceof Outcome.DeadLettered d) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "SQS message {0} (job {1}) dead-lettered: {2}",
                    m.getMessageId(),
                    d.jobId(),
                    d.reason());
        }
        return o;
    }
}
