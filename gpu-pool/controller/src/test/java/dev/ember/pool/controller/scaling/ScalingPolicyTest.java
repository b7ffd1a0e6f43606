package dev.ember.pool.controller.scaling;

import static dev.ember.pool.controller.scaling.ScaleDecision.Reason.CAPPED_AT_MAX;
import static dev.ember.pool.controller.scaling.ScaleDecision.Reason.DELAYED_SCALE_DOWN;
import static dev.ember.pool.controller.scaling.ScaleDecision.Reason.FORECAST;
import static dev.ember.pool.controller.scaling.ScaleDecision.Reason.HELD_AT_ONE_UNTIL_ACTIVATED;
import static dev.ember.pool.controller.scaling.ScaleDecision.Reason.INITIAL_SCALE;
import static dev.ember.pool.controller.scaling.ScaleDecision.Reason.PANIC;
import static dev.ember.pool.controller.scaling.ScaleDecision.Reason.POKE_FROM_ZERO;
import static dev.ember.pool.controller.scaling.ScaleDecision.Reason.SCALE_TO_ZERO;
import static dev.ember.pool.controller.scaling.ScaleDecision.Reason.SCALE_TO_ZERO_GRACE;
import static dev.ember.pool.controller.scaling.ScaleDecision.Reason.STABLE;
import static dev.ember.pool.controller.scaling.ScaleDecision.Reason.WARM_FLOOR;
import static dev.ember.pool.controller.scaling.Snapshots.T0;
import static dev.ember.pool.controller.scaling.Snapshots.idle;
import static dev.ember.pool.controller.scaling.Snapshots.noSamples;
import static dev.ember.pool.controller.scaling.Snapshots.samples;
import static dev.ember.pool.controller.scaling.Snapshots.steady;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ScalingPolicyTest {
    /** Target concurrency 10 at 70% utilization: 7 per worker. Everything else is Knative's default. */
    private static final ScalingConfig TEN =
            ScalingConfig.builder().targetConcurrency(10).build();

    private static ScaleDecision decision(int workers, ScaleDecision.Reason reason, double stable, double panic) {
        return new ScaleDecision(workers, reason, stable, panic, false);
    }

    private static ScaleDecision panicking(int workers, double stable, double panic) {
        return new ScaleDecision(workers, PANIC, stable, panic, true);
    }

    @Nested
    class StableAndPanic {
        @ParameterizedTest(name = "from {0} ready")
        @ValueSource(ints = {3, 4, 8})
        void steadyLoadAtThreeAndAHalfTimesTargetWantsFourWorkers(int ready) {
            // 24.5 / 7 = 3.5 → 4. From 8, maxDown = floor(8 / 2) = 4 allows it in one step; from 3,
            // the panic window asks for 4 / 3 = 133% < 200%: no panic.
            ScalingPolicy policy = new ScalingPolicy(TEN, T0);
            Instant now = T0.plusSeconds(120);

            assertThat(policy.decide(steady(now, 24.5, ready), now)).isEqualTo(decision(4, STABLE, 24.5, 24.5));
        }

        @Test
        void steadyLoadArrivingAtOneWorkerSettlesOnFourStableAfterTheStableWindow() {
            // One worker, load 3.5× target from t=0: 4 / 1 ≥ 200% panics to 4 at once; panic ends a
            // stable window after it last held (t=0), at the first tick after t=60.
            SimulatedPool pool = new SimulatedPool(TEN, T0, 1, s -> 24.5);

            assertThat(pool.at(0)).isEqualTo(panicking(4, 24.5, 24.5));
            assertThat(pool.between(2, 60)).containsOnly(panicking(4, 24.5, 24.5));
            assertThat(pool.at(62)).isEqualTo(decision(4, STABLE, 24.5, 24.5));
            assertThat(pool.between(62, 600)).containsOnly(decision(4, STABLE, 24.5, 24.5));
        }

        /** The worked example of {@link ScalingPolicy}'s class comment: 7, then 70 for 10 s, then 7. */
        private SimulatedPool spike(ScalingConfig config) {
            return new SimulatedPool(config, T0, 1, s -> s >= 101 && s <= 110 ? 70 : 7);
        }

        @Test
        void spikeEntersPanicAtOnceHoldsWhileLoadFallsAndLeavesAStableWindowLater() {
            SimulatedPool pool = spike(TEN);

            assertThat(pool.between(0, 100)).containsOnly(decision(1, STABLE, 7, 7));
            // Panic window 97..102 = 7,7,7,7,70,70 → 28 → 4 workers, 4 / 1 ≥ 200%.
            assertThat(pool.at(102)).isEqualTo(panicking(4, 546.0 / 60, 28));
            assertThat(pool.at(104)).isEqualTo(panicking(7, 672.0 / 60, 49));
            assertThat(pool.at(106)).isEqualTo(panicking(10, 798.0 / 60, 70));
            // The load falls back at 111: the panic window asks for 7, then 1, but panic never scales down.
            assertThat(pool.at(112)).isEqualTo(panicking(10, 1050.0 / 60, 49));
            assertThat(pool.between(106, 162))
                    .extracting(ScaleDecision::desiredWorkers)
                    .containsOnly(10);
            // The condition last held at 102; 102 + 60 is not before 162.
            assertThat(pool.at(162)).isEqualTo(panicking(10, 924.0 / 60, 7));
            // Out of panic; stable wants ceil(13.3 / 7) = 2 but may only halve: floor(10 / 2) = 5.
            assertThat(pool.at(164)).isEqualTo(decision(5, STABLE, 798.0 / 60, 7));
            assertThat(pool.at(166)).isEqualTo(decision(2, STABLE, 672.0 / 60, 7));
            assertThat(pool.at(168)).isEqualTo(decision(2, STABLE, 546.0 / 60, 7));
            assertThat(pool.at(170)).isEqualTo(decision(1, STABLE, 7, 7));
        }

        @Test
        void panicScaleUpIsBoundedByTheMaxScaleUpRate() {
            SimulatedPool pool = spike(TEN.toBuilder().maxScaleUpRate(2).build());

            assertThat(pool.at(102)).isEqualTo(panicking(2, 546.0 / 60, 28)); // ceil(2 × 1)
            assertThat(pool.at(104)).isEqualTo(panicking(4, 672.0 / 60, 49)); // ceil(2 × 2)
            assertThat(pool.at(106)).isEqualTo(panicking(8, 798.0 / 60, 70)); // ceil(2 × 4)
            assertThat(pool.at(108)).isEqualTo(panicking(10, 924.0 / 60, 70)); // what 70 needs
        }

        @Test
        void scaleDownHalvesAtMostPerDecision() {
            // No load with 8 ready: maxDown = floor(8 / 2) = 4, then 2, then 1; at 1, floor(1 / 2) = 0
            // lets the policy want zero, but a pool created 6 s ago keeps its worker.
            SimulatedPool pool = new SimulatedPool(TEN, T0, 8, s -> 0);

            assertThat(pool.between(0, 6))
                    .containsExactly(
                            decision(4, STABLE, 0, 0),
                            decision(2, STABLE, 0, 0),
                            decision(1, STABLE, 0, 0),
                            decision(1, HELD_AT_ONE_UNTIL_ACTIVATED, 0, 0));
        }

        @Test
        void aFasterScaleDownRateShrinksFaster() {
            SimulatedPool pool =
                    new SimulatedPool(TEN.toBuilder().maxScaleDownRate(4).build(), T0, 8, s -> 0);

            assertThat(pool.between(0, 2))
                    .containsExactly(decision(2, STABLE, 0, 0), decision(1, HELD_AT_ONE_UNTIL_ACTIVATED, 0, 0));
        }

        @Test
        void scaleDownDelayKeepsTheLargestDecisionOfTheDelay() {
            ScalingPolicy policy = new ScalingPolicy(
                    TEN.toBuilder().scaleDownDelay(Duration.ofSeconds(10)).build(), T0);
            Instant t = T0.plusSeconds(100);

            assertThat(policy.decide(steady(t, 28, 4), t)).isEqualTo(decision(4, STABLE, 28, 28));
            for (int s = 2; s <= 8; s += 2) {
                Instant now = t.plusSeconds(s);
                assertThat(policy.decide(steady(now, 14, 4), now))
                        .as("t+%ds", s)
                        .isEqualTo(decision(4, DELAYED_SCALE_DOWN, 14, 14));
            }
            // The 4 decided at t is 10 s old: out of the delay.
            Instant later = t.plusSeconds(10);
            assertThat(policy.decide(steady(later, 14, 4), later)).isEqualTo(decision(2, STABLE, 14, 14));
            // Scaling up is never delayed.
            Instant up = t.plusSeconds(12);
            assertThat(policy.decide(steady(up, 21, 2), up)).isEqualTo(decision(3, STABLE, 21, 21));
        }

        @Test
        void ceilingIsNotFooledByFloatingPointNoise() {
            // target = 3 × 0.7 = 2.0999999999999996; 4.2 / it = 2.0000000000000004, still 2 workers.
            ScalingPolicy policy = new ScalingPolicy(
                    ScalingConfig.builder().targetConcurrency(3).build(), T0);
            Instant now = T0.plusSeconds(100);

            assertThat(policy.decide(steady(now, 4.2, 2), now).desiredWorkers()).isEqualTo(2);
        }
    }

    @Nested
    class ScaleToZero {
        @Test
        void goesToZeroOnlyAfterTheGracePeriodOfInactivity() {
            // Load for the first 30 s. The stable average reaches 0 at t=90 (window 31..90); the pool,
            // active since t=0, becomes inactive then and keeps its worker for the 30 s grace.
            SimulatedPool pool = new SimulatedPool(TEN, T0, 1, s -> s < 30 ? 7 : 0);

            assertThat(pool.between(0, 88))
                    .extracting(ScaleDecision::desiredWorkers)
                    .containsOnly(1);
            assertThat(pool.at(88).reason()).isEqualTo(STABLE);
            assertThat(pool.at(90)).isEqualTo(decision(1, SCALE_TO_ZERO_GRACE, 0, 0));
            assertThat(pool.between(90, 118)).containsOnly(decision(1, SCALE_TO_ZERO_GRACE, 0, 0));
            assertThat(pool.at(120)).isEqualTo(decision(0, SCALE_TO_ZERO, 0, 0));
            assertThat(pool.between(120, 600)).containsOnly(decision(0, SCALE_TO_ZERO, 0, 0));
        }

        @Test
        void bufferedRequestsAtZeroGetAWorkerAtOnceWhichStaysForAStableWindow() {
            ScalingPolicy policy =
                    new ScalingPolicy(TEN.toBuilder().initialScale(0).build(), T0); // created at zero
            Instant poke = T0.plusSeconds(3600);

            assertThat(policy.decide(idle(poke, 0), poke)).isEqualTo(decision(0, SCALE_TO_ZERO, 0, 0));
            assertThat(policy.decide(idle(poke, 0).withBufferedAtZero(3), poke))
                    .isEqualTo(decision(1, POKE_FROM_ZERO, 0, 0));
            // The requests were served within a second: nothing to see in the windows, yet the
            // worker stays until the pool has been active for a stable window...
            for (int s = 10; s < 60; s += 2) {
                Instant now = poke.plusSeconds(s);
                assertThat(policy.decide(idle(now, 1), now))
                        .as("t+%ds", s)
                        .isEqualTo(decision(1, HELD_AT_ONE_UNTIL_ACTIVATED, 0, 0));
            }
            // ...then for the grace period.
            Instant inactive = poke.plusSeconds(60);
            assertThat(policy.decide(idle(inactive, 1), inactive)).isEqualTo(decision(1, SCALE_TO_ZERO_GRACE, 0, 0));
            Instant graceOver = inactive.plusSeconds(30);
            assertThat(policy.decide(idle(graceOver, 1), graceOver)).isEqualTo(decision(0, SCALE_TO_ZERO, 0, 0));
        }

        @Test
        void aPokeNeedsNoMetrics() {
            ScalingPolicy policy =
                    new ScalingPolicy(TEN.toBuilder().initialScale(0).build(), T0);

            assertThat(policy.decide(noSamples(0).withBufferedAtZero(1), T0.plusSeconds(1)))
                    .isEqualTo(decision(1, POKE_FROM_ZERO, 0, 0));
        }

        @Test
        void aGracePeriodOfZeroGoesStraightToZeroOnceActiveForAStableWindow() {
            ScalingPolicy policy = new ScalingPolicy(
                    TEN.toBuilder().scaleToZeroGracePeriod(Duration.ZERO).build(), T0);
            Instant now = T0.plusSeconds(60);

            assertThat(policy.decide(idle(now, 1), now)).isEqualTo(decision(0, SCALE_TO_ZERO, 0, 0));
        }

        @Test
        void stateRecordsActivityAndPanic() {
            ScalingPolicy policy = new ScalingPolicy(TEN, T0);
            Instant now = T0.plusSeconds(90);

            policy.decide(steady(now, 70, 1), now);
            assertThat(policy.state()).isEqualTo(new ScalingState(true, T0, Optional.of(now), 10, true, List.of()));

            Instant quiet = now.plusSeconds(61);
            policy.decide(idle(quiet, 1), quiet);
            assertThat(policy.state()).isEqualTo(new ScalingState(false, quiet, Optional.empty(), 0, true, List.of()));
        }
    }

    @Nested
    class EmberFloorsAndCap {
        @Test
        void warmFloorHoldsWorkersAtZeroTraffic() {
            SimulatedPool pool = new SimulatedPool(TEN.toBuilder().minWarm(2).build(), T0, 2, s -> 0);

            assertThat(pool.between(0, 3600)).containsOnly(decision(2, WARM_FLOOR, 0, 0));
        }

        @Test
        void warmFloorRaisesAPoolThatIsBelowIt() {
            ScalingPolicy policy = new ScalingPolicy(TEN.toBuilder().minWarm(3).build(), T0);
            Instant now = T0.plusSeconds(100);

            assertThat(policy.decide(steady(now, 7, 1), now)).isEqualTo(decision(3, WARM_FLOOR, 7, 7));
        }

        @Test
        void maxWorkersCapsEvenInPanic() {
            ScalingPolicy policy =
                    new ScalingPolicy(TEN.toBuilder().maxWorkers(5).build(), T0);
            Instant now = T0.plusSeconds(100);

            assertThat(policy.decide(steady(now, 700, 5), now))
                    .isEqualTo(new ScaleDecision(5, CAPPED_AT_MAX, 700, 700, true));
        }

        @Test
        void maxWorkersCapsTheForecastToo() {
            ScalingPolicy policy =
                    new ScalingPolicy(TEN.toBuilder().maxWorkers(3).build(), T0);
            Instant now = T0.plusSeconds(100);

            assertThat(policy.decide(idle(now, 1).withForecast(new LoadForecast(1000, Duration.ofSeconds(1))), now))
                    .isEqualTo(decision(3, CAPPED_AT_MAX, 0, 0));
        }

        @Test
        void forecastOfABurstRaisesTheFloorBeforeTheLoadArrivesAndAQuietOneFallsBackToMinWarm() {
            ScalingPolicy policy = new ScalingPolicy(TEN.toBuilder().minWarm(1).build(), T0);
            // 56 requests/s × 0.5 s = 28 in flight → 28 / 7 = 4 workers, while nothing is in flight yet.
            LoadForecast burst = new LoadForecast(56, Duration.ofMillis(500));
            LoadForecast quiet = new LoadForecast(0, Duration.ofMillis(500));
            Instant t = T0.plusSeconds(100);

            assertThat(policy.decide(idle(t, 1).withForecast(burst), t)).isEqualTo(decision(4, FORECAST, 0, 0));
            // Quiet again: down at the scale-down rate, to the warm floor and no further.
            assertThat(policy.decide(idle(t.plusSeconds(2), 4).withForecast(quiet), t.plusSeconds(2)))
                    .isEqualTo(decision(2, STABLE, 0, 0));
            assertThat(policy.decide(idle(t.plusSeconds(4), 2).withForecast(quiet), t.plusSeconds(4)))
                    .isEqualTo(decision(1, STABLE, 0, 0));
            for (int s = 6; s < 600; s += 2) {
                Instant now = t.plusSeconds(s);
                assertThat(policy.decide(idle(now, 1).withForecast(quiet), now))
                        .isEqualTo(decision(1, WARM_FLOOR, 0, 0));
            }
        }

        @Test
        void aQuietForecastWithoutWarmFloorLetsThePoolGoToZero() {
            ScalingPolicy policy = new ScalingPolicy(TEN, T0);
            LoadForecast burst = new LoadForecast(56, Duration.ofMillis(500));
            LoadForecast quiet = new LoadForecast(0, Duration.ofMillis(500));
            Instant t = T0.plusSeconds(100);

            assertThat(policy.decide(idle(t, 1).withForecast(burst), t)).isEqualTo(decision(4, FORECAST, 0, 0));
            assertThat(policy.decide(idle(t.plusSeconds(2), 4).withForecast(quiet), t.plusSeconds(2)))
                    .isEqualTo(decision(2, STABLE, 0, 0));
            assertThat(policy.decide(idle(t.plusSeconds(4), 2).withForecast(quiet), t.plusSeconds(4)))
                    .isEqualTo(decision(1, STABLE, 0, 0));
            assertThat(policy.decide(idle(t.plusSeconds(6), 1).withForecast(quiet), t.plusSeconds(6)))
                    .isEqualTo(decision(1, SCALE_TO_ZERO_GRACE, 0, 0));
            assertThat(policy.decide(idle(t.plusSeconds(36), 1).withForecast(quiet), t.plusSeconds(36)))
                    .isEqualTo(decision(0, SCALE_TO_ZERO, 0, 0));
        }

        @Test
        void aForecastAveragedOverBurstsDoesNotHoldAWorkerThroughTheGapBetweenThem() {
            // idle-gaps, compressed: bursts of 40 requests every 24 s average 1.7 req/s per minute,
            // which alone would hold one worker forever (1.7 × 3 s grace ≥ 1).
            ScalingPolicy policy = new ScalingPolicy(
                    TEN.toBuilder()
                            .stableWindow(Duration.ofSeconds(6))
                            .scaleToZeroGracePeriod(Duration.ofSeconds(3))
                            .build(),
                    T0);
            LoadForecast average = new LoadForecast(1.8, Duration.ofMillis(50), 1.7);
            Instant burstEnd = T0.plusSeconds(100);
            List<ConcurrencySample> window = new ArrayList<>(samples(burstEnd.minusSeconds(3), 0.5, 0.5, 0.5, 0.5));
            assertThat(policy.decide(MetricsSnapshot.of(window, 1).withForecast(average), burstEnd)
                            .desiredWorkers())
                    .isEqualTo(1);
            int last = -1;
            for (int s = 1; s <= 12; s++) { // the gap: one idle sample a second
                Instant now = burstEnd.plusSeconds(s);
                window.add(new ConcurrencySample(now, 0));
                last = policy.decide(
                                MetricsSnapshot.of(window, last == 0 ? 0 : 1).withForecast(average), now)
                        .desiredWorkers();
            }
            assertThat(last).isZero();
            // the same silence before a forecast rise (a daily burst) still prewarms: 56 × 0.05 / 7 → 1
            LoadForecast rise = new LoadForecast(56, Duration.ofMillis(50), 0.01);
            Instant now = burstEnd.plusSeconds(13);
            window.add(new ConcurrencySample(now, 0));
            assertThat(policy.decide(MetricsSnapshot.of(window, 0).withForecast(rise), now))
                    .isEqualTo(decision(1, FORECAST, 0, 0));
        }

        @Test
        void aTrickleForecastDoesNotKeepAWorkerThatABurstForecastWould() {
            ScalingPolicy policy = new ScalingPolicy(TEN, T0);
            // One request a minute: with a 30 s grace a worker would idle through every gap.
            LoadForecast trickle = new LoadForecast(1 / 60.0, Duration.ofMillis(50));
            Instant t = T0.plusSeconds(100);
            assertThat(policy.decide(idle(t, 1).withForecast(trickle), t))
                    .isEqualTo(decision(1, SCALE_TO_ZERO_GRACE, 0, 0));
            assertThat(policy.decide(idle(t.plusSeconds(31), 1).withForecast(trickle), t.plusSeconds(31)))
                    .isEqualTo(decision(0, SCALE_TO_ZERO, 0, 0));
            // A request every 20 s arrives within the grace period: worth one warm worker.
            LoadForecast steady = new LoadForecast(1 / 20.0, Duration.ofMillis(50));
            assertThat(policy.decide(idle(t.plusSeconds(33), 0).withForecast(steady), t.plusSeconds(33)))
                    .isEqualTo(decision(1, FORECAST, 0, 0));
        }

        @Test
        void initialScaleHoldsUntilReachedOnce() {
            ScalingPolicy policy =
                    new ScalingPolicy(TEN.toBuilder().initialScale(3).build(), T0);

            assertThat(policy.decide(idle(T0, 0), T0)).isEqualTo(decision(3, INITIAL_SCALE, 0, 0));
            assertThat(policy.decide(idle(T0.plusSeconds(2), 2), T0.plusSeconds(2)))
                    .isEqualTo(decision(3, INITIAL_SCALE, 0, 0));
            // Reached: from here on only load counts (and 3 may only halve).
            assertThat(policy.decide(idle(T0.plusSeconds(4), 3), T0.plusSeconds(4)))
                    .isEqualTo(decision(1, STABLE, 0, 0));
            assertThat(policy.decide(idle(T0.plusSeconds(6), 0), T0.plusSeconds(6)))
                    .isEqualTo(decision(1, HELD_AT_ONE_UNTIL_ACTIVATED, 0, 0));
        }
    }

    @Nested
    class NoData {
        @Test
        void noSampleInTheStableWindowIsTheNoDataSentinelAndChangesNoState() {
            ScalingPolicy policy = new ScalingPolicy(TEN, T0);
            ScalingState before = policy.state();
            Instant now = T0.plusSeconds(100);

            assertThat(policy.decide(noSamples(2), now)).isEqualTo(ScaleDecision.NO_DATA);
            // The newest sample is one stable window old: outside the window 41..100.
            MetricsSnapshot stale = MetricsSnapshot.of(samples(now.minusSeconds(61), 50, 50), 2);
            ScaleDecision decision = policy.decide(stale, now);

            assertThat(decision).isEqualTo(ScaleDecision.NO_DATA);
            assertThat(decision.isValid()).isFalse();
            assertThat(decision.desiredWorkers()).isEqualTo(-1);
            assertThat(policy.state()).isSameAs(before);
        }

        @Test
        void withoutMetricsFloorsRaiseThePoolButNeverShrinkIt() {
            ScalingPolicy policy = new ScalingPolicy(TEN.toBuilder().minWarm(2).build(), T0);

            assertThat(policy.decide(noSamples(0), T0)).isEqualTo(decision(2, WARM_FLOOR, 0, 0));
            assertThat(policy.decide(noSamples(5), T0.plusSeconds(2))).isEqualTo(ScaleDecision.NO_DATA);
        }

        @Test
        void aNewPoolStartsAtItsInitialScaleBeforeAnyMetrics() {
            ScalingPolicy policy = new ScalingPolicy(TEN, T0);

            assertThat(policy.decide(noSamples(0), T0)).isEqualTo(decision(1, INITIAL_SCALE, 0, 0));
        }
    }
}
