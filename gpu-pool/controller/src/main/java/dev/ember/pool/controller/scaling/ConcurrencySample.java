package dev.ember.pool.controller.scaling;

import java.time.Instant;
import java.util.Objects;

/**
 * The average concurrency a model saw over one second: requests in flight on its workers plus
 * requests queued for it (including those buffered while it has no worker), time-weighted over the
 * second — Knative's 1-second bucket. Two requests that each lasted half of the second give 1.0.
 *
 * @param at when the second ended (when the sample was taken)
 * @param concurrency the average, finite and not negative
 */
public record ConcurrencySample(Instant at, double concurrency) {
    public ConcurrencySample {
        Objects.requireNonNull(at, "at");
        if (!Double.isFinite(concurrency) || concurrency < 0) {
            throw new IllegalArgumentException("concurrency must be finite and not negative, was " + concurrency);
        }
    }
}
