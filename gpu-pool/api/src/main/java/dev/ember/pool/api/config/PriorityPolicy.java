package dev.ember.pool.api.config;

import java.time.Duration;
import java.util.Objects;

/** Admission policy of one priority class: how many requests may wait, and for how long by default. */
public record PriorityPolicy(int queueCap, Duration timeout) {
    public PriorityPolicy {
        Objects.requireNonNull(timeout, "timeout");
        if (queueCap < 1) {
            throw new IllegalArgumentException("queue_cap must be ≥ 1, got " + queueCap);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout_ms must be > 0, got " + timeout.toMillis());
        }
    }
}
