package dev.ember.pool.controller.scaling;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the controller observed of one model when it asks for a decision.
 *
 * @param concurrency about one sample per second covering at least the stable window, in any order
 *     (older samples are ignored). The average over a window is the mean of the samples whose
 *     timestamps fall in it, so a pool that started 6 s ago is averaged over those 6 s, as in
 *     Knative, and a sample missed through scheduling jitter is absent rather than a zero: the
 *     controller records an idle second as an explicit 0.
 * @param readyWorkers workers ready to serve (warmed up)
 * @param bufferedAtZero requests held because no worker is ready (Knative's activator buffer); any
 *     of them makes the policy ask for at least one worker at once
 * @param forecast the next minute's expected load, if a forecaster has an opinion
 */
public record MetricsSnapshot(
        List<ConcurrencySample> concurrency, int readyWorkers, int bufferedAtZero, Optional<LoadForecast> forecast) {

    public MetricsSnapshot {
        concurrency = List.copyOf(concurrency);
        Objects.requireNonNull(forecast, "forecast");
        if (readyWorkers < 0) {
            throw new IllegalArgumentException("readyWorkers must not be negative, was " + readyWorkers);
        }
        if (bufferedAtZero < 0) {
            throw new IllegalArgumentException("bufferedAtZero must not be negative, was " + bufferedAtZero);
        }
    }

    /** A snapshot with no buffered requests and no forecast. */
    public static MetricsSnapshot of(List<ConcurrencySample> concurrency, int readyWorkers) {
        return new MetricsSnapshot(concurrency, readyWorkers, 0, Optional.empty());
    }

    public MetricsSnapshot withBufferedAtZero(int requests) {
        return new MetricsSnapshot(concurrency, readyWorkers, requests, forecast);
    }

    public MetricsSnapshot withForecast(LoadForecast value) {
        return new MetricsSnapshot(concurrency, readyWorkers, bufferedAtZero, Optional.of(value));
    }

    /**
     * How long the model has held no request at {@code now}: since the last sample above 0, or
     * since the first sample when none was; zero with no samples.
     */
    Duration silentFor(Instant now) {
        Instant lastBusy = null;
        Instant first = null;
        for (ConcurrencySample s : concurrency) {
            if (s.at().isAfter(now)) {
                continue;
            }
            if (first == null || s.at().isBefore(first)) {
                first = s.at();
            }
            if (s.concurrency() > 0 && (lastBusy == null || s.at().isAfter(lastBusy))) {
                lastBusy = s.at();
            }
        }
        Instant since = lastBusy != null ? lastBusy : first;
        return since == null ? Duration.ZERO : Duration.between(since, now);
    }

    /** True if some sample falls in the {@code window} ending at {@code now}. */
    boolean hasDataWithin(Instant now, Duration window) {
        return concurrency.stream().anyMatch(s -> within(s, now, window));
    }

    /**
     * The mean of the samples in the {@code window} ending at {@code now}: those taken after {@code
     * now - window} and not after {@code now}. Samples 10 and 20 in a 60 s window average to 15;
     * with no sample inside, 0.
     */
    double averageConcurrency(Instant now, Duration window) {
        double sum = 0;
        int count = 0;
        for (ConcurrencySample s : concurrency) {
            if (within(s, now, window)) {
                sum += s.concurrency();
                count++;
            }
        }
        return count == 0 ? 0 : sum / count;
    }

    private static boolean within(ConcurrencySample s, Instant now, Duration window) {
        return s.at().isAfter(now.minus(window)) && !s.at().isAfter(now);
    }
}
