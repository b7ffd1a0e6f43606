package dev.ember.pool.controller.scaling;

import java.time.Duration;
import java.util.Objects;

/**
 * What the next minute is expected to bring, as the {@code Forecaster} predicts it: a request rate,
 * with the mean latency that turns it into concurrency (Little's law). For example 56 requests/s
 * that each spend 0.5 s in the pool keep 28 requests in it on average; with a target of 7 per
 * worker that is 4 workers.
 *
 * @param requestsPerSecond expected arrivals, finite and not negative
 * @param meanLatency the time one request spends queued and in flight, as recently observed
 */
public record LoadForecast(double requestsPerSecond, Duration meanLatency) {
    public LoadForecast {
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
