package dev.ember.functions.core.jobs;

/**
 * The rate at which a class's jobs finish, across every consumer: fed the class's finished counter
 * (kept in Redis) once a second, it smooths the per-interval rate (weight 0.3 on the newest), so
 * one idle second does not make Retry-After jump to "nothing moves".
 */
public final class DrainMeter {
    private static final double WEIGHT = 0.3;

    private long lastCount = -1;
    private long lastNanos;
    private double rate;

    public synchronized void observe(long finishedTotal, long nanos) {
        if (lastCount >= 0 && nanos > lastNanos) {
            double seconds = (nanos - lastNanos) / 1e9;
            double now = Math.max(0, finishedTotal - lastCount) / seconds;
            rate = rate == 0 ? now : WEIGHT * now + (1 - WEIGHT) * rate;
        }
        lastCount = finishedTotal;
        lastNanos = nanos;
    }

    /** Jobs per second, 0 before two readings. */
    public synchronized double perSecond() {
        return rate;
    }
}
