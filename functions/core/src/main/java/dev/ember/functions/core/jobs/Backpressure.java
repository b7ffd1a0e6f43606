package dev.ember.functions.core.jobs;

import java.time.Duration;

/**
 * When a class's backlog passes its cap, how long a refused submitter should wait: the time the
 * consumers need, at their measured drain rate, to bring the backlog back under the cap with room
 * for this submission. 1 s at least; with no drain measured (nothing finished lately) 30 s, the
 * cap being full and nothing moving; never more than 5 minutes.
 *
 * <p>Worked through: cap 1,000, backlog 1,150, a batch of 50, draining 100 jobs/s → (1,150 + 50 −
 * 1,000) / 100 = 2 s.
 */
public final class Backpressure {
    static final Duration NO_DRAIN = Duration.ofSeconds(30);
    static final Duration MAX = Duration.ofMinutes(5);

    private Backpressure() {}

    public static boolean admits(long backlog, long adding, long cap) {
        return backlog + adding <= cap;
    }

    public static Duration retryAfter(long backlog, long adding, long cap, double drainPerSecond) {
        long excess = Math.max(1, backlog + adding - cap);
        if (!(drainPerSecond > 0)) {
            return NO_DRAIN;
        }
        double seconds = Math.ceil(excess / drainPerSecond);
        if (seconds >= MAX.toSeconds()) {
            return MAX;
        }
        return Duration.ofSeconds(Math.max(1, (long) seconds));
    }
}
