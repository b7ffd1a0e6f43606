package dev.ember.warmup.prewarm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ember.warmup.forecast.ForecasterConfig;
import dev.ember.warmup.prewarm.PrewarmPlan.Reason;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class PrewarmPlannerTest {
    private static final Instant DAY0 = Instant.parse("2026-11-01T00:00:00Z");
    private static final Duration LATENCY = Duration.ofMillis(500);
    /** Target 8 × 0.7 = 5.6 per worker, no warm floor, at most 10, 30 s grace, 1 min lead, 15 min ahead. */
    private final PrewarmSettings settings = new PrewarmSettings(
            8 * PrewarmSettings.TARGET_UTILIZATION,
            0,
            10,
            Duration.ofSeconds(30),
            Duration.ofMinutes(1),
            Duration.ofMinutes(15));

    private final PrewarmPlanner planner = new PrewarmPlanner(settings);

    /** Two days and a bit: 56 req/s from 09:00 to 09:10 every day, one request a minute otherwise. */
    private static RateHistory dailyBurst(RateHistoryStore store, Instant until) {
        RateHistory history = RateHistory.restore("det", ForecasterConfig.DEFAULTS, store);
        for (Instant t = DAY0; t.isBefore(until); t = t.plusSeconds(60)) {
            history.observe(t, requestsIn(t));
        }
        return history;
    }

    private static long requestsIn(Instant minute) {
        long ofDay = Math.floorMod(minute.getEpochSecond() / 60, 1440);
        return ofDay >= 9 * 60 && ofDay < 9 * 60 + 10 ? 56 * 60 : 1;
    }

    @Test
    void aSilenceTheExpectedRateCannotExplainVoidsTheForecastForNowButNotARiseAhead() {
        // bursts averaging 1.7 req/s: 2 s of silence is likely (e^-3.4 = 3%), 2.8 s is not (e^-4.8 < 1%)
        assertThat(PrewarmPlanner.rateAfterSilence(1.8, 1.7, Duration.ofSeconds(2)))
                .isEqualTo(1.8);
        assertThat(PrewarmPlanner.rateAfterSilence(1.8, 1.7, Duration.ofMillis(2800)))
                .isCloseTo(0.1, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(PrewarmPlanner.workersFor(0.1, LATENCY, 5.6, Duration.ofSeconds(3)))
                .isZero();
        // a silent night before a daily burst: the night's 0.01 req/s is voided, the burst is not
        assertThat(PrewarmPlanner.rateAfterSilence(56, 0.01, Duration.ofHours(8)))
                .isCloseTo(55.99, org.assertj.core.data.Offset.offset(1e-9));
        // no figure for now: nothing to void
        assertThat(PrewarmPlanner.rateAfterSilence(56, 0, Duration.ofHours(8))).isEqualTo(56);
    }

    @Test
    void theRuleIsLittlesLawAboveOneRequestPerGracePeriod() {
        // 56 req/s × 0.5 s = 28 in flight; / 5.6 = 5 workers.
        assertThat(PrewarmPlanner.workersFor(56, LATENCY, 5.6, Duration.ofSeconds(30)))
                .isEqualTo(5);
        // one request a minute × 30 s = 0.5 expected within the grace period: not worth a worker.
        assertThat(PrewarmPlanner.workersFor(1 / 60.0, LATENCY, 5.6, Duration.ofSeconds(30)))
                .isZero();
        // one every 20 s: 1.5 per grace period, 0.025 in flight → 1 worker.
        assertThat(PrewarmPlanner.workersFor(1 / 20.0, LATENCY, 5.6, Duration.ofSeconds(30)))
                .isEqualTo(1);
        // 4.2 in flight at 2.1 per worker is exactly 2, not 3 (floating point).
        assertThat(PrewarmPlanner.workersFor(4.2, Duration.ofSeconds(1), 3 * 0.7, Duration.ofSeconds(30)))
                .isEqualTo(2);
    }

    @Test
    void withoutHistoryTheConfiguredFloorHolds() {
        RateHistory empty = RateHistory.restore("det", ForecasterConfig.DEFAULTS, RateHistoryStore.NONE);
        PrewarmPlan plan = new PrewarmPlanner(new PrewarmSettings(
                        5.6, 2, 10, Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(5)))
                .plan(empty, LATENCY, DAY0);
        assertThat(plan.floor()).isEqualTo(2);
        assertThat(plan.reason()).isEqualTo(Reason.NO_HISTORY);
        assertThat(plan.ahead()).hasSize(6).allMatch(s -> s.reason() == Reason.NO_HISTORY);
    }

    @Test
    void aDailyBurstIsProvidedForOneMinuteAheadAndReleasedAfter() {
        Instant day2 = DAY0.plus(Duration.ofDays(2));
        RateHistory history =
                dailyBurst(RateHistoryStore.NONE, day2.plus(Duration.ofHours(8)).plusSeconds(58 * 60));

        // 08:58: the lead time reaches 08:59 only: quiet, floor 0; the timeline already shows 09:00.
        Instant t0858 = day2.plus(Duration.ofHours(8)).plusSeconds(58 * 60);
        PrewarmPlan before = planner.plan(history, LATENCY, t0858);
        assertThat(before.floor()).isZero();
        assertThat(before.reason()).isEqualTo(Reason.QUIET);
        PrewarmPlan.Slot nine = before.ahead().get(2);
        assertThat(nine.start()).isEqualTo(day2.plus(Duration.ofHours(9)));
        assertThat(nine.floor()).isEqualTo(5);
        assertThat(nine.reason()).isEqualTo(Reason.FORECAST);
        assertThat(before.explain()).startsWith("floor 0 (QUIET").contains("from " + nine.start() + " 5 (FORECAST)");

        // 08:59: the lead time reaches 09:00 — five workers one minute before the burst.
        history.observe(t0858, requestsIn(t0858));
        PrewarmPlan ahead = planner.plan(history, LATENCY, t0858.plusSeconds(60));
        assertThat(ahead.floor()).isEqualTo(5);
        assertThat(ahead.reason()).isEqualTo(Reason.FORECAST);
        assertThat(ahead.expectedRps()).isBetween(50.0, 60.0);

        // Through the burst, then 09:10: the season says it is over, the floor goes back to 0.
        Instant t = t0858.plusSeconds(60);
        for (; t.isBefore(day2.plus(Duration.ofHours(9)).plusSeconds(10 * 60)); t = t.plusSeconds(60)) {
            history.observe(t, requestsIn(t));
        }
        PrewarmPlan after = planner.plan(history, LATENCY, t.plusSeconds(60));
        assertThat(after.floor()).isZero();
        assertThat(after.reason()).isEqualTo(Reason.QUIET);
    }

    @Test
    void theWarmFloorAndTheCapBoundTheForecast() {
        Instant day2 = DAY0.plus(Duration.ofDays(2));
        Instant at0859 = day2.plus(Duration.ofHours(8)).plusSeconds(59 * 60);
        RateHistory history = dailyBurst(RateHistoryStore.NONE, at0859);
        PrewarmPlanner capped = new PrewarmPlanner(
                new PrewarmSettings(5.6, 1, 3, Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(2)));
        PrewarmPlan plan = capped.plan(history, LATENCY, at0859);
        assertThat(plan.floor()).isEqualTo(3);
        assertThat(plan.reason()).isEqualTo(Reason.CAPPED_AT_MAX);
        PrewarmPlan night = capped.plan(history, LATENCY, at0859.plus(Duration.ofHours(6)));
        assertThat(night.floor()).isEqualTo(1);
        assertThat(night.reason()).isEqualTo(Reason.WARM_FLOOR);
    }

    @Test
    void aRestoredHistoryPlansWhatTheOriginalWould() {
        Instant day2 = DAY0.plus(Duration.ofDays(2));
        Instant at0859 = day2.plus(Duration.ofHours(8)).plusSeconds(59 * 60);
        RateHistoryStore store = RateHistoryStore.inMemory(RateHistoryStore.DEFAULT_CAPACITY);
        RateHistory original = dailyBurst(store, at0859.plusSeconds(60));

        // The process is replaced: a new history from the store forecasts the same burst.
        RateHistory restored = RateHistory.restore("det", ForecasterConfig.DEFAULTS, store);
        PrewarmPlan fromOriginal = planner.plan(original, LATENCY, at0859);
        PrewarmPlan fromRestored = planner.plan(restored, LATENCY, at0859);
        assertThat(fromRestored.floor()).isEqualTo(5).isEqualTo(fromOriginal.floor());
        assertThat(restored.model()).isEqualTo(original.model());
        assertThat(fromRestored.expectedRps())
                .isCloseTo(fromOriginal.expectedRps(), org.assertj.core.data.Offset.offset(1e-6));
    }
}
