package dev.ember.functions.core.jobs;

import dev.ember.pool.api.InferenceException;
import java.time.Duration;
import java.util.Optional;

/**
 * What to do with a job whose run failed: run it again after a delay, or give up (dead letter).
 * A failure of the job counts toward {@code maxAttempts} (a bad input too: it fails the same way
 * each time, so it reaches the dead-letter stream after its tries). A pool that shed the job
 * ({@code OVERLOADED}) or could not be reached ({@code UNAVAILABLE}) is not the job's failure: it
 * waits and tries again without counting, as async work should under overload, for as long as its
 * record lives ({@code jobTtl}). Delays double from {@code base} up to {@code max}; a failure that
 * says when to come back (a shed request's {@code Retry-After}) is waited for at least that long,
 * within {@code max}. Worked through with base 200 ms, max 10 s: after failure 1 wait 200 ms, after
 * 2 400 ms, then 800 ms, 1.6 s, ... 10 s.
 */
public record RetryPolicy(int maxAttempts, Duration base, Duration max) {
    /** The decision after run number {@code attempt} (1 = the first run) failed. */
    public sealed interface Decision {}

    /** @param counted whether this failure counts toward {@code maxAttempts} */
    public record Retry(Duration after, boolean counted) implements Decision {}

    public record DeadLetter(String reason) implements Decision {}

    public static RetryPolicy of(JobSettings s) {
        return new RetryPolicy(s.maxAttempts(), s.backoffBase(), s.backoffMax());
    }

    /**
     * The decision after run number {@code runs} failed with {@code failure}, the job having failed
     * {@code counted} times before by its own fault (waits for a busy pool are not counted; their
     * delay grows with the runs).
     */
    public Decision after(int counted, int runs, Throwable failure) {
        String reason = reason(failure);
        boolean jobsFault = !waits(failure);
        int failures = jobsFault ? counted + 1 : Math.max(1, runs);
        if (jobsFault && failures >= maxAttempts) {
            return new DeadLetter("failed " + failures + " time" + (failures == 1 ? "" : "s") + "; last: " + reason);
        }
        Duration delay = backoff(failures);
        Optional<Duration> asked = InferenceException.find(failure).flatMap(InferenceException::retryAfter);
        if (asked.isPresent() && asked.get().compareTo(delay) > 0) {
            delay = asked.get().compareTo(max) > 0 ? max : asked.get();
        }
        return new Retry(delay, jobsFault);
    }

    /**
     * For a driver whose queue counts every delivery (SQS and its {@code maxReceiveCount}): run
     * number {@code deliveries} failed; each counts, a busy pool's too, since the queue would
     * dead-letter the message after its receives whatever the reason.
     */
    public Decision afterDelivery(int deliveries, Throwable failure) {
        if (deliveries >= maxAttempts) {
            return new DeadLetter(
                    "failed " + deliveries + " time" + (deliveries == 1 ? "" : "s") + "; last: " + reason(failure));
        }
        Decision d = after(0, deliveries, failure);
        return d instanceof Retry r ? new Retry(r.after(), true) : d;
    }

    /** A busy or unreachable pool: the job waits, it did not fail. */
    static boolean waits(Throwable failure) {
        return InferenceException.find(failure)
                .map(e -> e.reason() == InferenceException.Reason.OVERLOADED
                        || e.reason() == InferenceException.Reason.UNAVAILABLE)
                .orElse(false);
    }

    /** The wait after run {@code attempt}: base × 2^(attempt-1), at most max. */
    public Duration backoff(int attempt) {
        int doublings = Math.min(Math.max(0, attempt - 1), 30);
        long millis = base.toMillis() << doublings;
        return millis >= max.toMillis() || millis < 0 ? max : Duration.ofMillis(millis);
    }

    /** The failure as a job reports it: the reason and the message, as a 4xx/5xx would say it. */
    public static String reason(Throwable failure) {
        return InferenceException.find(failure)
                .map(e -> e.reason().name().toLowerCase(java.util.Locale.ROOT) + ": " + e.getMessage())
                .orElseGet(() -> "internal error: " + failure);
    }
}
