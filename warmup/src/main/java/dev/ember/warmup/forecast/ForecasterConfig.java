package dev.ember.warmup.forecast;

import java.time.Duration;
import java.util.Objects;

/**
 * Smoothing weights of {@link Forecaster}, per one-minute step: larger follows change faster and
 * noise more.
 *
 * @param alpha weight of the newest minute in the level, (0, 1]. 0.3: a sustained change is mostly
 *     (&gt;90%) absorbed after 7 minutes
 * @param beta weight of the newest level change in the trend, [0, 1]. 0.1: one noisy minute barely
 *     tilts the trend, a ramp sets it within about 20 minutes
 * @param gamma weight of the newest day in a minute-of-day's seasonal index, [0, 1]. 0.3: a pattern
 *     that moves to another time of day is mostly learned in 3 days, and a one-off burst leaves
 *     only 30% of itself in tomorrow's forecast
 * @param horizon how far ahead {@link Forecaster#forecast} looks: it returns the busiest minute from
 *     the current one to the one {@code horizon} later, 0–1 h. Longer than a cold start, so a worker
 *     started on the forecast is ready when the load arrives
 */
public record ForecasterConfig(double alpha, double beta, double gamma, Duration horizon) {

    public static final ForecasterConfig DEFAULTS = new ForecasterConfig(0.3, 0.1, 0.3, Duration.ofMinutes(1));

    public ForecasterConfig {
        Objects.requireNonNull(horizon, "horizon");
        if (!(alpha > 0 && alpha <= 1)) {
            throw new IllegalArgumentException("alpha must be in (0, 1], was " + alpha);
        }
        if (!(beta >= 0 && beta <= 1)) {
            throw new IllegalArgumentException("beta must be in [0, 1], was " + beta);
        }
        if (!(gamma >= 0 && gamma <= 1)) {
            throw new IllegalArgumentException("gamma must be in [0, 1], was " + gamma);
        }
        if (horizon.isNegative() || horizon.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("horizon must be between 0 and 1h, was " + horizon);
        }
    }
}
