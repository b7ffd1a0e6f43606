package dev.ember.functions.core.jobs;

import dev.ember.pool.api.InferenceException;
import java.time.Duration;
import java.util.Optional;

/**
 * What to do with a job whose run failed: run it again after a delay, or give up (dead letter).
 * Every failure counts toward {@code maxAttempts}, a bad input too: it fails the same way each
 * time, so it reaches the dead-letter stream after its tries. Delays double from {@code base} up to
 * {@code max}; a failure that says when to come back (an overloaded pool's {@code Retry-After}) is
 * waited for at least that long. Worked through with base 200 ms, max 10 s: after run 1 wait 200
 * ms, after run 2 400 ms, then 800 ms, 1.6 s, ... 10 s.
 */
public record RetryPolicy(int maxAttempts, Duration base, Duration max) {
    /** The decision after run number {@code attempt} (1 = the first run) failed. */
    public sealed interface Decision {}

    public record Retry(Duration after) implements Decision {}

    public record DeadLetter(String reason) implements Decision {}

    public static RetryPolicy of(JobSettings s) {
        return new RetryPolicy(s.maxAttempts(), s.backoffBase(), s.backoffMax());
    }

    public Decision after(int attempt, Throwable failure) {
        String reason = reason(failure);
        if (attempt >= maxAttempts) {
            return new DeadLetter("failed " + attempt + " time" + (attempt == 1 ? "" : "s") + "; last: " + reason);
        }
        Duration delay = backoff(attempt);
        Optional<Duration> asked = InferenceException.find(failure).flatMap(InferenceException::retryAfter);
        if (asked.isPresent() && asked.get().compareTo(delay) > 0) {
            delay = asked.get().compareTo(max) > 0 ? max : asked.get();
        }
        return new Retry(delay);
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
