package dev.ember.pool.controller.scaling;

import static dev.ember.pool.controller.scaling.Snapshots.T0;
import static dev.ember.pool.controller.scaling.Snapshots.samples;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetricsSnapshotTest {
    private static final Duration MINUTE = Duration.ofSeconds(60);

    @Test
    void aPoolStartedSecondsAgoIsAveragedOverThoseSeconds() {
        // Six samples of 10 in a 60 s window: 10, not 1.
        MetricsSnapshot s = MetricsSnapshot.of(samples(T0, 10, 10, 10, 10, 10, 10), 1);

        assertThat(s.averageConcurrency(T0.plusSeconds(5), MINUTE)).isEqualTo(10);
    }

    @Test
    void aMissedSampleIsAbsentNotZero() {
        List<ConcurrencySample> list = new ArrayList<>();
        list.add(new ConcurrencySample(T0, 10));
        list.add(new ConcurrencySample(T0.plusSeconds(2), 20));
        MetricsSnapshot s = MetricsSnapshot.of(list, 1);

        // 10, (missed), 20 → 15, however long ago the last sample was, while it is in the window.
        assertThat(s.averageConcurrency(T0.plusSeconds(2), MINUTE)).isEqualTo(15);
        assertThat(s.averageConcurrency(T0.plusSeconds(12), MINUTE)).isEqualTo(15);
    }

    @Test
    void onlyTheWindowEndingAtNowCounts() {
        MetricsSnapshot s = MetricsSnapshot.of(samples(T0, 100, 100, 1, 1, 1, 1, 1, 1), 1);
        Instant now = T0.plusSeconds(7);

        // A 6 s window ending at t=7 holds the samples taken at 2..7; an 8 s one all of them.
        assertThat(s.averageConcurrency(now, Duration.ofSeconds(6))).isEqualTo(1);
        assertThat(s.averageConcurrency(now, Duration.ofSeconds(8))).isEqualTo(206.0 / 8);
        assertThat(s.hasDataWithin(now.plusSeconds(60), MINUTE)).isFalse();
        assertThat(s.hasDataWithin(now.plusSeconds(59), MINUTE)).isTrue();
        assertThat(s.averageConcurrency(now.plusSeconds(6), Duration.ofSeconds(6)))
                .isZero();
        // Samples taken after now are not seen yet.
        assertThat(s.averageConcurrency(T0.plusSeconds(1), MINUTE)).isEqualTo(100);
    }

    @Test
    void samplesMayComeInAnyOrderAndWithJitter() {
        List<ConcurrencySample> jittery = List.of(
                new ConcurrencySample(T0.plusMillis(1_998), 3),
                new ConcurrencySample(T0.plusMillis(1_001), 1),
                new ConcurrencySample(T0.plusMillis(3_002), 5));

        assertThat(MetricsSnapshot.of(jittery, 1).averageConcurrency(T0.plusSeconds(4), MINUTE))
                .isEqualTo(3);
    }

    @Test
    void countsAndSamplesMustNotBeNegative() {
        assertThatThrownBy(() -> new ConcurrencySample(T0, -1))
                .hasMessage("concurrency must be finite and not negative, was -1.0");
        assertThatThrownBy(() -> MetricsSnapshot.of(List.of(), -1))
                .hasMessage("readyWorkers must not be negative, was -1");
        assertThatThrownBy(() -> MetricsSnapshot.of(List.of(), 0).withBufferedAtZero(-2))
                .hasMessage("bufferedAtZero must not be negative, was -2");
    }

    @Test
    void aForecastIsConcurrencyByLittlesLaw() {
        assertThat(new LoadForecast(56, Duration.ofMillis(500)).concurrency()).isEqualTo(28);
    }
}
