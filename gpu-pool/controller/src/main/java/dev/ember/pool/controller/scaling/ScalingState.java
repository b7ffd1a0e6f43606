package dev.ember.pool.controller.scaling;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@link ScalingPolicy} remembers between two decisions — exactly what Knative's KPA keeps,
 * nothing more. Immutable: each decision replaces it whole.
 *
 * @param active whether the pool counts as active (wanted at least one worker) or inactive
 * @param activitySince when it last became active, or inactive
 * @param lastPanicAt the last time the panic condition held; present exactly while panicking
 * @param maxPanicWorkers the most workers asked for since panic began (0 when not panicking)
 * @param initialScaleReached whether the pool has had its initial scale ready once
 * @param recentDecisions decisions within the scale-down delay that may still be the largest, oldest
 *     (and largest) first; empty without a delay
 */
public record ScalingState(
        boolean active,
        Instant activitySince,
        Optional<Instant> lastPanicAt,
        int maxPanicWorkers,
        boolean initialScaleReached,
        List<RecentDecision> recentDecisions) {

    /** A decision remembered for the scale-down delay. */
    public record RecentDecision(Instant at, int workers) {
        public RecentDecision {
            Objects.requireNonNull(at, "at");
        }
    }

    public ScalingState {
        Objects.requireNonNull(activitySince, "activitySince");
        Objects.requireNonNull(lastPanicAt, "lastPanicAt");
        recentDecisions = List.copyOf(recentDecisions);
        if (maxPanicWorkers < 0 || (lastPanicAt.isEmpty() && maxPanicWorkers != 0)) {
            throw new IllegalArgumentException(
                    "maxPanicWorkers must be 0 outside panic and not negative, was " + maxPanicWorkers);
        }
    }

    /**
     * A pool created at {@code now}: active if it starts with workers (initial scale above 0), as a
     * new Knative revision is; otherwise inactive and already at zero.
     */
    public static ScalingState createdAt(Instant now, int initialScale) {
        return new ScalingState(initialScale > 0, now, Optional.empty(), 0, initialScale == 0, List.of());
    }

    public boolean panicking() {
        return lastPanicAt.isPresent();
    }
}
