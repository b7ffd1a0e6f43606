package dev.ember.pool.controller.scaling;

import java.util.Objects;

/**
 * What {@link ScalingPolicy#decide} wants, and why. Logs print it whole; tests compare it whole.
 *
 * @param desiredWorkers workers the pool should have; -1 only in {@link #NO_DATA}
 * @param reason the rule that set {@code desiredWorkers}
 * @param stableConcurrency the average concurrency over the stable window (0 without data)
 * @param panicConcurrency the average concurrency over the panic window (0 without data)
 * @param panicking whether the policy is in panic mode after this decision
 */
public record ScaleDecision(
        int desiredWorkers, Reason reason, double stableConcurrency, double panicConcurrency, boolean panicking) {

    /** No metrics yet and no floor to act on: leave the pool as it is. Knative's invalid result. */
    public static final ScaleDecision NO_DATA = new ScaleDecision(-1, Reason.NO_DATA, 0, 0, false);

    public enum Reason {
        /** No sample inside the stable window yet; {@code desiredWorkers} is -1, change nothing. */
        NO_DATA,
        /** ceil(stable average / target), within the scale-up and scale-down rates. */
        STABLE,
        /** In panic mode: the most asked for since panic began; never fewer than are ready. */
        PANIC,
        /** A larger decision made within the scale-down delay still stands. */
        DELAYED_SCALE_DOWN,
        /** No load, but the pool woke up less than a stable window ago: one worker stays. */
        HELD_AT_ONE_UNTIL_ACTIVATED,
        /** No load and inactive, but the scale-to-zero grace period is not over: one worker stays. */
        SCALE_TO_ZERO_GRACE,
        /** No load, inactive for the grace period (or nothing left to stop): zero workers. */
        SCALE_TO_ZERO,
        /** The pool has not yet reached its initial scale once. */
        INITIAL_SCALE,
        /** Requests are buffered with no worker ready: one worker now, without waiting for a window. */
        POKE_FROM_ZERO,
        /** The configured warm floor ({@code minWarm}). */
        WARM_FLOOR,
        /** The forecast of the next minute asks for more than anything else. */
        FORECAST,
        /** Everything else asked for more than {@code maxWorkers}. */
        CAPPED_AT_MAX
    }

    public ScaleDecision {
        Objects.requireNonNull(reason, "reason");
        if (desiredWorkers < 0 && reason != Reason.NO_DATA) {
            throw new IllegalArgumentException("desiredWorkers must not be negative, was " + desiredWorkers);
        }
    }

    /** False only for {@link #NO_DATA}: the pool should act on every other decision. */
    public boolean isValid() {
        return reason != Reason.NO_DATA;
    }
}
