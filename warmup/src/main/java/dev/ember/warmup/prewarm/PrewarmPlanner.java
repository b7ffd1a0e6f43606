package dev.ember.warmup.prewarm;

import dev.ember.warmup.prewarm.PrewarmPlan.Reason;
import dev.ember.warmup.prewarm.PrewarmPlan.Slot;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * The prewarm policy, one for both actuators: the local pool's {@code ScalingPolicy} raises its
 * floor with {@link #workersFor}, and the Knative autopilot patches each pool Service's {@code
 * min-scale} to {@link #plan}'s floor. Pure: a rate history, the model's settings, the mean latency
 * and an instant in; a {@link PrewarmPlan} out.
 *
 * <p><b>The rule</b>, for an expected rate r (requests/s) and mean latency L:
 *
 * <pre>
 * if r × max(1 s, grace) &lt; 1       → 0 (QUIET: not one request expected before a warm worker would idle out)
 * else workers = ceil(r × L / targetPerWorker)           (Little's law: r × L requests in flight)
 * floor = min(max_workers, max(min_warm, workers))
 * </pre>
 *
 * <p><b>Worked example.</b> Target concurrency 8 (× 0.7 = 5.6 per worker), 30 s grace, L = 0.5 s, a
 * daily burst of 56 req/s at 09:00 and 1 req/min otherwise. At 08:58 the forecast for 08:58–08:59
 * (the one-minute lead time) is 1/60 req/s: × 30 s = 0.5 expected requests, QUIET, floor 0. At 08:59
 * the lead time reaches 09:00: 56 × 0.5 = 28 in flight / 5.6 = 5 workers, FORECAST, floor 5 — one
 * minute before the burst, which is what a cold start needs. When the season says the burst is over,
 * the floor is back to 0 and Knative (or the pool) scales down by its own rules.
 */
public final class PrewarmPlanner {
    /** 3 × 0.7 is 2.0999999999999996 and 4.2 / that is 2.0000000000000004: ceil must still say 2. */
    private static final double CEIL_TOLERANCE = 1e-9;

    /** ln 100: a Poisson stream at the expected rate is silent this long only 1% of the time. */
    private static final double UNEXPLAINED_SILENCE = Math.log(100);

    private final PrewarmSettings settings;

    public PrewarmPlanner(PrewarmSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    public PrewarmSettings settings() {
        return settings;
    }

    /**
     * Workers an expected rate asks for, before the warm floor and the cap: 0 when fewer than one
     * request is expected within the grace period, else ceil(rate × latency / target).
     */
    public static int workersFor(
            double requestsPerSecond, Duration meanLatency, double targetPerWorker, Duration grace) {
        double graceSeconds = Math.max(1, grace.toMillis() / 1000.0);
        if (!(requestsPerSecond * graceSeconds >= 1)) {
            return 0;
        }
        double concurrency = requestsPerSecond * meanLatency.toNanos() / 1e9;
        if (concurrency <= 0) {
            return 0;
        }
        return (int) Math.min(Integer.MAX_VALUE, Math.ceil(concurrency / targetPerWorker - CEIL_TOLERANCE));
    }

    /**
     * The rate a forecast still stands for after the model has been silent for {@code silence}. A
     * per-minute forecast cannot see a gap inside a minute: bursts of 40 requests every 24 s average
     * 1.7 req/s, and a floor held on that average never lets the pool reach zero between bursts.
     * So a silence that the rate expected now makes improbable (under Poisson arrivals, {@code
     * e^(-rate × silence) < 1%}, i.e. {@code rate × silence ≥ ln 100 ≈ 4.6}) voids the forecast for
     * now, and only the rise it predicts ahead is kept.
     *
     * <p>Worked example: now 1.7 req/s expected, the busiest minute ahead 1.8: after 2.8 s without a
     * request 1.7 × 2.8 = 4.8, so 1.8 − 1.7 = 0.1 req/s is left, which a 3 s grace calls quiet.
     * Before a daily burst: 0.01 req/s expected at 08:59 after a silent night, 56 at 09:00: the
     * silence voids 0.01, and 55.99 req/s still prewarm.
     *
     * @param aheadRps the busiest minute's expected rate over the lead time (what the floor is for)
     * @param nowRps the current minute's expected rate
     */
    public static double rateAfterSilence(double aheadRps, double nowRps, Duration silence) {
        double silentSeconds = silence.toNanos() / 1e9;
        if (nowRps * silentSeconds < UNEXPLAINED_SILENCE) {
            return aheadRps;
        }
        return Math.max(0, aheadRps - nowRps);
    }

    /** The floor to hold at {@code now} and per minute over the lookahead. */
    public PrewarmPlan plan(RateHistory history, Duration meanLatency, Instant now) {
        Objects.requireNonNull(history, "history");
        Objects.requireNonNull(meanLatency, "meanLatency");
        Objects.requireNonNull(now, "now");
        Instant minute = Instant.ofEpochSecond(Math.floorDiv(now.getEpochSecond(), 60) * 60);
        long slots = settings.lookahead().toMinutes() + 1;
        List<Slot> ahead = new ArrayList<>((int) slots);
        for (long i = 0; i < slots; i++) {
            Instant start = minute.plusSeconds(60 * i);
            ahead.add(slot(start, history.forecastBetween(now, start, start), meanLatency));
        }
        if (ahead.get(0).reason() == Reason.NO_HISTORY) {
            return new PrewarmPlan(now, settings.minWarm(), Reason.NO_HISTORY, 0, ahead);
        }
        // Now: the most any minute within the lead time asks for.
        Instant leadEnd = now.plus(settings.leadTime());
        Slot held = ahead.get(0);
        double busiest = 0;
        for (Slot s : ahead) {
            if (s.start().isAfter(leadEnd)) {
                break;
            }
            busiest = Math.max(busiest, s.expectedRps());
            if (s.floor() > held.floor()) {
                held = s;
            }
        }
        return new PrewarmPlan(now, held.floor(), held.reason(), busiest, ahead);
    }

    private Slot slot(Instant start, OptionalDouble expected, Duration latency) {
        if (expected.isEmpty()) {
            return new Slot(start, settings.minWarm(), Reason.NO_HISTORY, 0);
        }
        double rps = expected.getAsDouble();
        int workers = workersFor(rps, latency, settings.targetPerWorker(), settings.scaleToZeroGrace());
        if (workers > settings.maxWorkers()) {
            return new Slot(start, settings.maxWorkers(), Reason.CAPPED_AT_MAX, rps);
        }
        if (workers > settings.minWarm()) {
            return new Slot(start, workers, Reason.FORECAST, rps);
        }
        if (workers == 0 && settings.minWarm() == 0) {
            return new Slot(start, 0, Reason.QUIET, rps);
        }
        return new Slot(start, settings.minWarm(), Reason.WARM_FLOOR, rps);
    }
}
