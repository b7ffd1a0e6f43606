package dev.ember.warmup.prewarm;

import dev.ember.pool.api.config.ScalingSettings;
import java.time.Duration;
import java.util.Objects;

/**
 * What the prewarm planner needs of a model's scaling: how much one worker (or pod) carries, the
 * floor and cap, and the times that make a warm worker worth its cost.
 *
 * @param targetPerWorker concurrency one worker is sized for: the concurrency target × Knative's
 *     target utilization (0.7), exactly what the pool's KPA policy and Knative's autoscaler divide by
 * @param minWarm the configured warm floor, held whatever the forecast says
 * @param maxWorkers the cap
 * @param scaleToZeroGrace a forecast keeps a worker only if it expects at least one request within
 *     this time (at least 1 s): rarer requests are cheaper served cold
 * @param leadTime how far ahead the floor held now looks: a worker started now is ready after about
 *     a cold start, so a burst expected within this time must be provided for already
 * @param lookahead how far the plan's timeline reaches (for logs and {@code deploy status})
 */
public record PrewarmSettings(
        double targetPerWorker,
        int minWarm,
        int maxWorkers,
        Duration scaleToZeroGrace,
        Duration leadTime,
        Duration lookahead) {
    /** Knative's default {@code container-concurrency-target-percentage}, and the pool's. */
    public static final double TARGET_UTILIZATION = 0.7;

    public static final Duration DEFAULT_LEAD_TIME = Duration.ofMinutes(1);
    public static final Duration DEFAULT_LOOKAHEAD = Duration.ofMinutes(15);

    public PrewarmSettings {
        Objects.requireNonNull(scaleToZeroGrace, "scaleToZeroGrace");
        Objects.requireNonNull(leadTime, "leadTime");
        Objects.requireNonNull(lookahead, "lookahead");
        if (!(targetPerWorker > 0) || !Double.isFinite(targetPerWorker)) {
            throw new IllegalArgumentException("targetPerWorker must be positive, was " + targetPerWorker);
        }
        if (minWarm < 0 || maxWorkers < 1 || minWarm > maxWorkers) {
            throw new IllegalArgumentException(
                    "need 0 ≤ minWarm ≤ maxWorkers and maxWorkers ≥ 1, got " + minWarm + " and " + maxWorkers);
        }
        if (scaleToZeroGrace.isNegative() || leadTime.isNegative() || lookahead.compareTo(leadTime) < 0) {
            throw new IllegalArgumentException("grace and lead time must be ≥ 0 and lookahead ≥ lead time");
        }
        if (lookahead.compareTo(Duration.ofHours(24)) > 0) {
            throw new IllegalArgumentException("lookahead must be at most 24h, was " + lookahead);
        }
    }

    /** From a model's {@code scaling:} section in config.yaml. */
    public static PrewarmSettings of(ScalingSettings s) {
        return new PrewarmSettings(
                s.targetConcurrency() * TARGET_UTILIZATION,
                s.minWarm(),
                s.maxWorkers(),
                s.scaleToZeroGrace(),
                DEFAULT_LEAD_TIME,
                DEFAULT_LOOKAHEAD);
    }

    public PrewarmSettings withLeadTime(Duration lead, Duration ahead) {
        return new PrewarmSettings(targetPerWorker, minWarm, maxWorkers, scaleToZeroGrace, lead, ahead);
    }
}
