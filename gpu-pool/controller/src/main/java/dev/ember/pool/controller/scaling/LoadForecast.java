package dev.ember.pool.controller.scaling;

import java.time.Duration;
import java.util.Objects;

/**
 * What the next minute is expected to bring, as the {@code Forecaster} predicts it: a request rate,
 * with the mean latency that turns it into concurrency (Little's law). For example 56 requests/s
 * that each spend 0.5 s in the pool keep 28 requests in it on average; with a target of 7 per
 * worker that is 4 workers.
 *
 * @param requestsPerSecond expected arrivals, finite and not negative: the busiest minute ahead
 * @param meanLatency the time one request spends queued and in flight, as recently observed
 * @param nowRequestsPerSecond the current minute's expected arrivals (a silence this rate cannot
 *     explain voids the forecast for now: {@code PrewarmPlanner.rateAfterSilence})
 */
public record LoadForecast(double requestsPerSecond, Duration meanLatency, double nowRequestsPerSecond) {
    /** A forecast with no figure for the current minute: no silence voids it. */
    public LoadForecast(double requestsPerSecond, Duration meanLatency) {
        this(requestsPerSecond, meanLatency, 0);
    }

    public LoadForecast {
        if (!Double.isFinite(nowRequestsPerSecond) || nowRequestsPerSecond < 0) {
            throw new IllegalArgumentException(
                    "nowRequestsPerSecond must be finite and not negative, was " + nowRequestsPerSecond);
        }
        Objects.requireNonNull(meanLatency, "meanLatency");
        if (!Double.isFinite(requestsPerSecond) || requestsPerSecond < 0) {
            throw new IllegalArgumentException(
                    "requestsPerSecond must be finite and not negative, was " + requestsPerSecond);
        }
        if (meanLatency.isNegative()) {
            throw new IllegalArgumentException("meanLatency must not be negative, was " + meanLatency);
        }
    }

    /** Expected average concurrency: rate × latency. */
    public double concurrency() {
        return requestsPerSecond * meanLatency.toNanos() / 1e9;
    }
}
