package dev.ember.warmup.forecast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

class ForecasterTest {
    private static final Instant DAY_1 = Instant.parse("2025-03-03T00:00:00Z");
    private static final Duration REPORT = Duration.ofSeconds(10);

    private final Forecaster forecaster = new Forecaster(ForecasterConfig.DEFAULTS);

    /** Reports every 10 s from {@code from} (included) to {@code to} (excluded), as a controller would. */
    private void feed(Instant from, Instant to, ToDoubleFunction<Instant> requestsPerSecond) {
        for (Instant t = from; t.isBefore(to); t = t.plus(REPORT)) {
            forecaster.observe(t, Math.round(requestsPerSecond.applyAsDouble(t) * REPORT.toSeconds()));
        }
    }

    private double forecastAt(Instant now) {
        return forecaster.forecast(now).orElseThrow();
    }

    @Test
    void nothingToSayBeforeAMinuteHasClosed() {
        assertThat(forecaster.forecast(DAY_1)).isEmpty();
        forecaster.observe(DAY_1, 100);

        assertThat(forecaster.forecast(DAY_1.plusSeconds(30))).isEmpty();
        assertThat(forecaster.model()).isEqualTo(Forecaster.Model.NONE);
        assertThat(forecaster.forecast(DAY_1.plusSeconds(60))).hasValue(100 / 60.0);
        assertThat(forecaster.model()).isEqualTo(Forecaster.Model.HOLT);
    }

    @Test
    void aConstantRateConvergesToThatRate() {
        Instant step = DAY_1.plus(Duration.ofMinutes(30));
        Instant end = step.plus(Duration.ofMinutes(90));
        feed(DAY_1, step, t -> 2);
        feed(step, end, t -> 10);

        assertThat(forecastAt(end)).isCloseTo(10, within(0.01));
    }

    @Test
    void aLinearRampIsLedNotFollowed() {
        // +0.5 requests/s every minute. At minute 240, the last closed minute ran at 120.5; the
        // forecast covers minutes 240 and 241, so it should say about 121.5 — ahead of what was seen.
        ToDoubleFunction<Instant> ramp =
                t -> 1 + 0.5 * Duration.between(DAY_1, t).toMinutes();
        Instant end = DAY_1.plus(Duration.ofMinutes(240));
        feed(DAY_1, end, ramp);

        double lastSeen = 1 + 0.5 * 239;
        assertThat(forecastAt(end)).isGreaterThan(lastSeen + 0.5).isCloseTo(lastSeen + 1, within(0.1));
    }

    /** Quiet nights, 2 requests/s in the day, a burst of 40 every day from 09:00 to 09:15 (UTC). */
    private static double dailyBurst(Instant t) {
        LocalTime time = LocalTime.ofInstant(t, ZoneOffset.UTC);
        if (time.isBefore(LocalTime.of(7, 0)) || !time.isBefore(LocalTime.of(22, 0))) {
            return 0;
        }
        return !time.isBefore(LocalTime.of(9, 0)) && time.isBefore(LocalTime.of(9, 15)) ? 40 : 2;
    }

    @Test
    void aDailyBurstIsForecastAheadOnceTheSeasonIsLearned() {
        Instant day2At0859 =
                DAY_1.plus(Duration.ofDays(1)).plus(Duration.ofHours(9)).minusSeconds(60);
        feed(DAY_1, day2At0859, ForecasterTest::dailyBurst);

        // One day of history: Holt alone (level and trend, i.e. plain smoothing) sees only the 2/s of
        // the morning and is caught out by the burst.
        assertThat(forecaster.model()).isEqualTo(Forecaster.Model.HOLT);
        assertThat(forecastAt(day2At0859)).isCloseTo(2, within(0.5));

        Instant day4At0858 = day2At0859.plus(Duration.ofDays(2)).minusSeconds(60);
        Instant day4At0859 = day4At0858.plusSeconds(60);
        feed(day2At0859, day4At0858, ForecasterTest::dailyBurst);
        assertThat(forecaster.model()).isEqualTo(Forecaster.Model.HOLT_WINTERS);
        assertThat(forecastAt(day4At0858)).as("08:58, looking at 08:58-08:59").isCloseTo(2, within(0.5));

        feed(day4At0858, day4At0859, ForecasterTest::dailyBurst);
        assertThat(forecastAt(day4At0859)).as("08:59, looking at 08:59-09:00").isCloseTo(40, within(4.0));
    }

    @Test
    void silenceIsZeroTrafficAndTrafficComesBack() {
        Instant quiet = DAY_1.plus(Duration.ofMinutes(30));
        feed(DAY_1, quiet, t -> 10);
        assertThat(forecastAt(quiet)).isCloseTo(10, within(0.01));

        // Nothing reported for two hours: the model closes those minutes as zero.
        Instant later = quiet.plus(Duration.ofHours(2));
        assertThat(forecastAt(later)).isCloseTo(0, within(0.01));

        // Holt overshoots a step by up to a fifth (12.3 after 9 minutes) and settles within half an hour.
        Instant back = later.plus(Duration.ofMinutes(30));
        feed(later, back, t -> 10);
        assertThat(forecastAt(back)).isCloseTo(10, within(0.5));
    }

    @Test
    void aForecastIsNeverNegative() {
        // A sharp drop drives the trend below zero: six minutes after 100 → 0, level + trend is
        // about -8. The forecast stops at 0.
        Instant drop = DAY_1.plus(Duration.ofMinutes(20));
        Instant later = drop.plus(Duration.ofMinutes(8));
        feed(DAY_1, drop, t -> 100);
        feed(drop, later, t -> 0);

        assertThat(forecastAt(later)).isZero();
    }

    @Test
    void aLateObservationCountsInTheOpenMinute() {
        forecaster.observe(DAY_1, 60);
        forecaster.observe(DAY_1.plusSeconds(60), 0);
        forecaster.observe(DAY_1.plusSeconds(10), 60); // belongs to the first minute, which has closed

        assertThat(forecastAt(DAY_1.plusSeconds(120))).isCloseTo(1, within(0.5));
    }

    @Test
    void memoryIsBoundedByTheSeasonNotTheHistory() {
        Instant end = DAY_1.plus(Duration.ofDays(10));
        for (Instant t = DAY_1; t.isBefore(end); t = t.plusSeconds(60)) {
            forecaster.observe(t, Math.round(dailyBurst(t) * 60));
        }

        assertThat(forecaster.model()).isEqualTo(Forecaster.Model.HOLT_WINTERS);
        assertThat(forecaster.seasonalSlots())
                .isEqualTo(Forecaster.SEASON_MINUTES)
                .isEqualTo(1440);
    }

    @Test
    void invalidParametersAreRejected() {
        Duration minute = Duration.ofMinutes(1);
        assertThatThrownBy(() -> new ForecasterConfig(0, 0.1, 0.3, minute))
                .hasMessage("alpha must be in (0, 1], was 0.0");
        assertThatThrownBy(() -> new ForecasterConfig(0.3, 1.5, 0.3, minute))
                .hasMessage("beta must be in [0, 1], was 1.5");
        assertThatThrownBy(() -> new ForecasterConfig(0.3, 0.1, -0.1, minute))
                .hasMessage("gamma must be in [0, 1], was -0.1");
        assertThatThrownBy(() -> new ForecasterConfig(0.3, 0.1, 0.3, Duration.ofHours(2)))
                .hasMessage("horizon must be between 0 and 1h, was PT2H");
        assertThatThrownBy(() -> forecaster.observe(DAY_1, -1)).hasMessage("requests must not be negative, was -1");
    }
}
