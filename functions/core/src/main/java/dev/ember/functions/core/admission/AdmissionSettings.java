package dev.ember.functions.core.admission;

import java.time.Duration;

/**
 * How the front door's {@link PriorityAdmission} decides (defaults measured on the 2-core VM with the
 * {@code overload} profile).
 *
 * @param enabled false: every request is admitted here (the pool's own admission still applies)
 * @param tolerance an interval is congested when its computed answers take on average more than
 *     this many times the fastest one of the floor window
 * @param minSamples computed answers an interval needs before it can be called congested
 * @param minLimit the lowest the realtime limit goes
 * @param maxLimit the highest (and the starting) limit
 * @param interval how often the limit moves
 * @param floorWindow how long the fastest answer is remembered
 */
public record AdmissionSettings(
        boolean enabled,
        double tolerance,
        int minSamples,
        int minLimit,
        int maxLimit,
        Duration interval,
        Duration floorWindow) {

    public static final AdmissionSettings DEFAULTS =
            new AdmissionSettings(true, 2.0, 10, 2, 4096, Duration.ofMillis(500), Duration.ofSeconds(30));

    public AdmissionSettings {
        if (!(tolerance > 1)) {
            throw new IllegalArgumentException("admission tolerance must be > 1, got " + tolerance);
        }
        if (minSamples < 1 || minLimit < 1 || maxLimit < minLimit) {
            throw new IllegalArgumentException("admission needs minSamples ≥ 1 and 1 ≤ minLimit ≤ maxLimit, got "
                    + minSamples + ", " + minLimit + ", " + maxLimit);
        }
        if (interval == null
                || interval.isNegative()
                || interval.isZero()
                || floorWindow == null
                || floorWindow.compareTo(interval) < 0) {
            throw new IllegalArgumentException("admission needs interval > 0 and floorWindow ≥ interval");
        }
    }

    public AdmissionSettings withEnabled(boolean on) {
        return new AdmissionSettings(on, tolerance, minSamples, minLimit, maxLimit, interval, floorWindow);
    }

    public AdmissionSettings withTolerance(double t) {
        return new AdmissionSettings(enabled, t, minSamples, minLimit, maxLimit, interval, floorWindow);
    }
}
