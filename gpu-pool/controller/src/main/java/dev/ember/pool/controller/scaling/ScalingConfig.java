package dev.ember.pool.controller.scaling;

import java.time.Duration;
import java.util.Objects;

/**
 * How one model's pool scales: the knobs of Knative's KPA, with its defaults (see KPA.md), plus
 * Ember's warm floor and cap. Validated on construction; ranges follow Knative's own validation so
 * a config that Knative would reject is rejected here too.
 *
 * <p>There is no separate activation window: as in Knative, a pool that has just woken up is kept at
 * one worker until it has been active for one {@link #stableWindow}.
 *
 * @param targetConcurrency requests one worker should hold (in flight plus queued) — KPA's container
 *     concurrency target. Knative's default is 100; an Ember worker batching on one device wants a
 *     small number, typically its batch size (4–16)
 * @param targetUtilization share of {@code targetConcurrency} to aim for, leaving headroom for a
 *     burst (0.01–1)
 * @param stableWindow the window averaged for normal decisions, 6 s – 1 h in whole seconds
 * @param panicWindowPercentage the panic window as a share of the stable window, 1–100 (%); the
 *     resulting window is never shorter than one 1-second sample
 * @param panicThresholdPercentage panic when the panic window asks for this share of the ready
 *     workers, 110–1000 (%)
 * @param maxScaleUpRate one decision grows the pool to at most this times the ready workers (&gt; 1)
 * @param maxScaleDownRate one decision shrinks the pool to no less than the ready workers divided
 *     by this (&gt; 1)
 * @param scaleToZeroGracePeriod how long an inactive pool keeps its last worker before going to zero
 * @param scaleDownDelay a decision is the largest one made over this trailing period (0: none), 0–1
 *     h
 * @param initialScale workers to start with, held until the pool has reached them once
 * @param minWarm the warm floor: workers kept even at zero traffic (0 lets the pool scale to zero)
 * @param maxWorkers the cap; {@link #UNLIMITED} for none
 */
public record ScalingConfig(
        double targetConcurrency,
        double targetUtilization,
        Duration stableWindow,
        double panicWindowPercentage,
        double panicThresholdPercentage,
        double maxScaleUpRate,
        double maxScaleDownRate,
        Duration scaleToZeroGracePeriod,
        Duration scaleDownDelay,
        int initialScale,
        int minWarm,
        int maxWorkers) {

    public static final int UNLIMITED = Integer.MAX_VALUE;

    // Before DEFAULTS: its construction validates against them.
    private static final Duration MIN_STABLE_WINDOW = Duration.ofSeconds(6);
    private static final Duration MAX_WINDOW = Duration.ofHours(1);

    /** Knative's KPA defaults; no warm floor, no cap. */
    public static final ScalingConfig DEFAULTS = new ScalingConfig(
            100, 0.7, Duration.ofSeconds(60), 10, 200, 1000, 2, Duration.ofSeconds(30), Duration.ZERO, 1, 0, UNLIMITED);

    public ScalingConfig {
        Objects.requireNonNull(stableWindow, "stableWindow");
        Objects.requireNonNull(scaleToZeroGracePeriod, "scaleToZeroGracePeriod");
        Objects.requireNonNull(scaleDownDelay, "scaleDownDelay");
        require(
                Double.isFinite(targetConcurrency) && targetConcurrency > 0,
                "targetConcurrency must be positive, was " + targetConcurrency);
        require(
                targetUtilization >= 0.01 && targetUtilization <= 1,
                "targetUtilization must be between 0.01 and 1, was " + targetUtilization);
        require(
                stableWindow.compareTo(MIN_STABLE_WINDOW) >= 0 && stableWindow.compareTo(MAX_WINDOW) <= 0,
                "stableWindow must be between 6s and 1h, was " + seconds(stableWindow));
        require(
                stableWindow.toMillis() % 1000 == 0,
                "stableWindow must be whole seconds (samples are per second), was " + seconds(stableWindow));
        require(
                panicWindowPercentage >= 1 && panicWindowPercentage <= 100,
                "panicWindowPercentage must be between 1 and 100, was " + panicWindowPercentage);
        require(
                panicThresholdPercentage >= 110 && panicThresholdPercentage <= 1000,
                "panicThresholdPercentage must be between 110 and 1000, was " + panicThresholdPercentage);
        require(maxScaleUpRate > 1, "maxScaleUpRate must be greater than 1, was " + maxScaleUpRate);
        require(maxScaleDownRate > 1, "maxScaleDownRate must be greater than 1, was " + maxScaleDownRate);
        require(
                !scaleToZeroGracePeriod.isNegative(),
                "scaleToZeroGracePeriod must not be negative, was " + seconds(scaleToZeroGracePeriod));
        require(
                !scaleDownDelay.isNegative() && scaleDownDelay.compareTo(MAX_WINDOW) <= 0,
                "scaleDownDelay must be between 0s and 1h, was " + seconds(scaleDownDelay));
        require(initialScale >= 0, "initialScale must not be negative, was " + initialScale);
        require(minWarm >= 0, "minWarm must not be negative, was " + minWarm);
        require(maxWorkers >= 1, "maxWorkers must be at least 1, was " + maxWorkers);
        require(minWarm <= maxWorkers, "minWarm (" + minWarm + ") must not exceed maxWorkers (" + maxWorkers + ")");
        require(
                initialScale <= maxWorkers,
                "initialScale (" + initialScale + ") must not exceed maxWorkers (" + maxWorkers + ")");
    }

    /**
     * Concurrency one worker is sized for: {@code max(0.01, targetConcurrency × targetUtilization)}.
     * With the defaults 100 × 0.7 = 70; with {@code targetConcurrency} 10, 7.
     */
    public double target() {
        return Math.max(0.01, targetConcurrency * targetUtilization);
    }

    /** The panic window in whole seconds, at least one: 60 s × 10% = 6 s. */
    public Duration panicWindow() {
        double millis = stableWindow.toMillis() * panicWindowPercentage / 100;
        return Duration.ofSeconds(Math.max(1, (long) Math.ceil(millis / 1000)));
    }

    /** A builder starting from {@link #DEFAULTS}. */
    public static Builder builder() {
        return DEFAULTS.toBuilder();
    }

    /** A builder starting from this config. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Changes a few knobs of a config; {@link #build()} validates the result. */
    public static final class Builder {
        private double targetConcurrency;
        private double targetUtilization;
        private Duration stableWindow;
        private double panicWindowPercentage;
        private double panicThresholdPercentage;
        private double maxScaleUpRate;
        private double maxScaleDownRate;
        private Duration scaleToZeroGracePeriod;
        private Duration scaleDownDelay;
        private int initialScale;
        private int minWarm;
        private int maxWorkers;

        private Builder(ScalingConfig c) {
            targetConcurrency = c.targetConcurrency;
            targetUtilization = c.targetUtilization;
            stableWindow = c.stableWindow;
            panicWindowPercentage = c.panicWindowPercentage;
            panicThresholdPercentage = c.panicThresholdPercentage;
            maxScaleUpRate = c.maxScaleUpRate;
            maxScaleDownRate = c.maxScaleDownRate;
            scaleToZeroGracePeriod = c.scaleToZeroGracePeriod;
            scaleDownDelay = c.scaleDownDelay;
            initialScale = c.initialScale;
            minWarm = c.minWarm;
            maxWorkers = c.maxWorkers;
        }

        public Builder targetConcurrency(double value) {
            targetConcurrency = value;
            return this;
        }

        public Builder targetUtilization(double value) {
            targetUtilization = value;
            return this;
        }

        public Builder stableWindow(Duration value) {
            stableWindow = value;
            return this;
        }

        public Builder panicWindowPercentage(double value) {
            panicWindowPercentage = value;
            return this;
        }

        public Builder panicThresholdPercentage(double value) {
            panicThresholdPercentage = value;
            return this;
        }

        public Builder maxScaleUpRate(double value) {
            maxScaleUpRate = value;
            return this;
        }

        public Builder maxScaleDownRate(double value) {
            maxScaleDownRate = value;
            return this;
        }

        public Builder scaleToZeroGracePeriod(Duration value) {
            scaleToZeroGracePeriod = value;
            return this;
        }

        public Builder scaleDownDelay(Duration value) {
            scaleDownDelay = value;
            return this;
        }

        public Builder initialScale(int value) {
            initialScale = value;
            return this;
        }

        public Builder minWarm(int value) {
            minWarm = value;
            return this;
        }

        public Builder maxWorkers(int value) {
            maxWorkers = value;
            return this;
        }

        public ScalingConfig build() {
            return new ScalingConfig(
                    targetConcurrency,
                    targetUtilization,
                    stableWindow,
                    panicWindowPercentage,
                    panicThresholdPercentage,
                    maxScaleUpRate,
                    maxScaleDownRate,
                    scaleToZeroGracePeriod,
                    scaleDownDelay,
                    initialScale,
                    minWarm,
                    maxWorkers);
        }
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
