package dev.ember.pool.api.config;

import java.time.Duration;
import java.util.Objects;

/**
 * How a local pool scales a model's workers, from config.yaml's {@code scaling:} section; the
 * controller turns it into its KPA-style policy. Defaults follow Knative (60 s stable window, 30 s
 * scale-to-zero grace) with two exceptions: the concurrency target suits a worker that batches (8
 * requests in flight per worker), and the initial scale is 0, not 1 — with spare runtimes a
 * model's first request costs its load and warmup (a few hundred ms), while a worker started for
 * every model up front costs memory and cores for models nobody may call.
 *
 * @param targetConcurrency requests in flight (or queued) one worker is meant to carry
 * @param minWarm workers kept ready even at zero traffic (0: the model may scale to zero)
 * @param maxWorkers never more workers than this
 * @param initialScale workers started before the first request
 * @param stableWindow the window load is averaged over (Knative: 6 s to 1 h)
 * @param scaleToZeroGrace how long a model stays idle before its last worker stops
 * @param forecast true: a warm floor from the model's request-rate forecast (per minute) raises the
 *     pool ahead of a predicted rise; false: the pool follows observed load only
 */
public record ScalingSettings(
        double targetConcurrency,
        int minWarm,
        int maxWorkers,
        int initialScale,
        Duration stableWindow,
        Duration scaleToZeroGrace,
        boolean forecast) {
    public static final ScalingSettings DEFAULT =
            new ScalingSettings(8, 0, 4, 0, Duration.ofSeconds(60), Duration.ofSeconds(30), true);

    public ScalingSettings {
        Objects.requireNonNull(stableWindow, "stableWindow");
        Objects.requireNonNull(scaleToZeroGrace, "scaleToZeroGrace");
        if (!(targetConcurrency > 0)) {
            throw new IllegalArgumentException("scaling.target_concurrency must be > 0");
        }
        if (minWarm < 0 || maxWorkers < 1 || minWarm > maxWorkers) {
            throw new IllegalArgumentException("scaling needs 0 ≤ min_warm ≤ max_workers and max_workers ≥ 1");
        }
        if (initialScale < 0 || initialScale > maxWorkers) {
            throw new IllegalArgumentException("scaling.initial_scale must be between 0 and max_workers");
        }
        if (stableWindow.compareTo(Duration.ofSeconds(6)) < 0 || stableWindow.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("scaling.stable_window_seconds must be between 6 and 3600");
        }
        if (scaleToZeroGrace.isNegative()) {
            throw new IllegalArgumentException("scaling.scale_to_zero_grace_seconds must be ≥ 0");
        }
    }
}
