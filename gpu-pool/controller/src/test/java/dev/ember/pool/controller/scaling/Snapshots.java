package dev.ember.pool.controller.scaling;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Snapshots built by hand for one decision. */
final class Snapshots {
    static final Instant T0 = Instant.parse("2025-03-03T00:00:00Z");

    private Snapshots() {}

    /** A full 60 s window of {@code concurrency}, ending with the second of {@code now}. */
    static MetricsSnapshot steady(Instant now, double concurrency, int ready) {
        List<ConcurrencySample> samples = new ArrayList<>();
        for (int s = 59; s >= 0; s--) {
            samples.add(new ConcurrencySample(now.minusSeconds(s), concurrency));
        }
        return MetricsSnapshot.of(samples, ready);
    }

    static MetricsSnapshot idle(Instant now, int ready) {
        return steady(now, 0, ready);
    }

    static MetricsSnapshot noSamples(int ready) {
        return MetricsSnapshot.of(List.of(), ready);
    }

    /** One sample per second from {@code first}. */
    static List<ConcurrencySample> samples(Instant first, double... values) {
        List<ConcurrencySample> samples = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            samples.add(new ConcurrencySample(first.plusSeconds(i), values[i]));
        }
        return samples;
    }
}
