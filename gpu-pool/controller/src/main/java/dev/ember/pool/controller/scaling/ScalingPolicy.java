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

import dev.ember.pool.controller.scaling.ScaleDecision.Reason;
import dev.ember.pool.controller.scaling.ScalingState.RecentDecision;
import dev.ember.warmup.prewarm.PrewarmPlanner;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How many workers one model should have: Knative's KPA decision (KPA.md), then Ember's floors —
 * the warm floor, the forecast (by {@link PrewarmPlanner#workersFor}, the one prewarm rule the
 * Knative autopilot applies too) — and cap. No I/O, no threads, no clock: the time of the decision is
 * a parameter, the metrics arrive in a {@link MetricsSnapshot}, the answer is a {@link
 * ScaleDecision}; whoever calls it starts or stops the workers (LocalPool) or patches {@code
 * min-scale} (Knative).
 *
 * <p><b>State.</b> KPA needs a little memory between decisions: when panic last held and the most
 * it asked for since, when the pool became active or inactive, whether the initial scale was
 * reached, the decisions inside the scale-down delay. It lives in one immutable {@link
 * ScalingState} that each {@code decide} replaces, readable through {@link #state()}, and a policy
 * can start from any state. Keeping the state in the policy rather than threading it through
 * {@code decide(snapshot, now, state) → (decision, state)} keeps the call the design names and
 * leaves no way to decide twice from the same old state by mistake (which would, for instance, lose
 * a panic), while tests still see and set every bit of it.
 *
 * <p><b>Worked example.</b> Target concurrency 10, utilization 0.7, so target = 7 per worker; the
 * default 60 s stable and 6 s panic windows; one ready worker serving a steady 7. At t = 101 the load
 * jumps to 70 (10× target) for ten seconds, then falls back to 7.
 *
 * <pre>
 * t=102  panic window 97..102 = 7,7,7,7,70,70   avg 28   → ceil(28/7)  = 4
 *        stable window 43..102 = 58×7 + 2×70    avg 9.1  → ceil(9.1/7) = 2
 *        4 / 1 ready ≥ 200%: PANIC. maxUp = ceil(1000 × 1) = 1000, maxDown = floor(1/2) = 0.
 *        desired = max(stable 2, panic 4, ready 1, highest so far 0) = 4
 * t=106  panic avg 70 → 10; 10 / 7 ready is below 200% but panic holds for a stable window → 10
 * t=112  the load is falling (panic avg 49 → 7) but panic never scales down → still 10
 * t=162  the condition last held at 102; 102 + 60 is not before 162 → still panicking, 10
 * t=164  panic ends. stable avg 13.3 → ceil(1.9) = 2, but maxDown = floor(10 / 2) = 5 → 5
 * t=166  stable avg 11.2 → 2, maxDown = floor(5 / 2) = 2 → 2;  t=170: the spike left the window → 1
 * </pre>
 *
 * <p>Scale to zero follows Knative's reconciler: when nothing asks for a worker, a pool active for
 * less than a stable window keeps one ({@code HELD_AT_ONE_UNTIL_ACTIVATED}); otherwise it becomes
 * inactive and keeps one worker for the grace period, then goes to zero. With the defaults, a pool
 * whose traffic stops at t = 0 still has its worker until the stable average reaches 0 (t = 60),
 * then waits out the 30 s grace: zero at t = 90.
 *
 * <p>Thread-safe: the controller's tick thread and a poke from the request path (requests buffered
 * at zero) may both call {@link #decide}; calls are serialized.
 */
public final class ScalingPolicy {
    /** 3 × 0.7 is 2.0999999999999996 and 4.2 / that is 2.0000000000000004: ceil must still say 2. */
    private static final double CEIL_TOLERANCE = 1e-9;

    private final ScalingConfig config;
    private volatile ScalingState state;

    /** A policy for a pool created at {@code createdAt}, starting at its initial scale. */
    public ScalingPolicy(ScalingConfig config, Instant createdAt) {
        this(config, ScalingState.createdAt(createdAt, config.initialScale()));
    }

    /** A policy resuming from {@code state}. */
    public ScalingPolicy(ScalingConfig config, ScalingState state) {
        this.config = Objects.requireNonNull(config, "config");
        this.state = Objects.requireNonNull(state, "state");
    }

    public ScalingConfig config() {
        return config;
    }

    /** The state after the last decision. */
    public ScalingState state() {
        return state;
    }

    /**
     * The number of workers the model should have at {@code now}, given what was observed. Returns
     * {@link ScaleDecision#NO_DATA} (and changes no state) when there is no sample in the stable
     * window and no floor above the ready workers: without metrics the policy only ever raises the
     * pool to a floor, never shrinks it.
     */
    public synchronized ScaleDecision decide(MetricsSnapshot snapshot, Instant now) {
        Objects.requireNonNull(snapshot, "snapshot");
        Objects.requireNonNull(now, "now");
        ScalingState before = state;
        int ready = snapshot.readyWorkers();
        boolean initialScaleReached = before.initialScaleReached() || ready >= config.initialScale();
        Want floor = floor(snapshot, now, initialScaleReached);

        if (!snapshot.hasDataWithin(now, config.stableWindow())) {
            if (floor.workers() <= ready) {
                return ScaleDecision.NO_DATA;
            }
            state = new ScalingState(
                    true,
                    before.active() ? before.activitySince() : now,
                    before.lastPanicAt(),
                    before.maxPanicWorkers(),
                    initialScaleReached,
                    before.recentDecisions());
            return decision(floor, 0, 0, before.panicking());
        }

        // KPA: desired counts from both windows, held between the scale-down and scale-up rates.
        double stable = snapshot.averageConcurrency(now, config.stableWindow());
        double panic = snapshot.averageConcurrency(now, config.panicWindow());
        double readyForRates = Math.max(1, ready);
        double maxUp = Math.ceil(config.maxScaleUpRate() * readyForRates);
        double maxDown = Math.floor(readyForRates / config.maxScaleDownRate());
        double wantStable = workersFor(stable);
        double wantPanic = workersFor(panic);
        int desiredStable = clamp(wantStable, maxDown, maxUp);
        int desiredPanic = clamp(wantPanic, maxDown, maxUp);

        // Panic starts when the panic window asks for the threshold share of the ready workers; it
        // is refreshed while that holds and ends a full stable window after it last held.
        boolean overThreshold = wantPanic / readyForRates >= config.panicThresholdPercentage() / 100;
        Optional<Instant> lastPanicAt = overThreshold
                ? Optional.of(now)
                : before.lastPanicAt()
                        .filter(t -> !t.plus(config.stableWindow()).isBefore(now));
        int maxPanicWorkers = 0;
        Want core;
        if (lastPanicAt.isPresent()) {
            maxPanicWorkers =
                    Math.max(Math.max(desiredStable, desiredPanic), Math.max(ready, before.maxPanicWorkers()));
            core = new Want(maxPanicWorkers, PANIC);
        } else {
            core = new Want(desiredStable, STABLE);
        }

        List<RecentDecision> recent = before.recentDecisions();
        if (!config.scaleDownDelay().isZero()) {
            recent = remember(recent, new RecentDecision(now, core.workers()), now.minus(config.scaleDownDelay()));
            int delayed = recent.get(0).workers();
            if (delayed > core.workers()) {
                core = new Want(delayed, DELAYED_SCALE_DOWN);
            }
        }

        Want want = core.workers() >= floor.workers() ? core : floor;
        boolean active = before.active();
        Instant activitySince = before.activitySince();
        if (want.workers() > 0) {
            if (!active) {
                active = true;
                activitySince = now;
            }
        } else if (active && Duration.between(activitySince, now).compareTo(config.stableWindow()) < 0) {
            want = new Want(1, HELD_AT_ONE_UNTIL_ACTIVATED);
        } else {
            if (active) {
                active = false;
                activitySince = now;
            }
            boolean graceOver = Duration.between(activitySince, now).compareTo(config.scaleToZeroGracePeriod()) >= 0;
            want = ready == 0 || graceOver ? new Want(0, SCALE_TO_ZERO) : new Want(1, SCALE_TO_ZERO_GRACE);
        }

        state = new ScalingState(active, activitySince, lastPanicAt, maxPanicWorkers, initialScaleReached, recent);
        return decision(want, stable, panic, lastPanicAt.isPresent());
    }

    /**
     * The largest of what needs no metrics: the warm floor, the initial scale until reached once, one
     * worker for requests buffered at zero, the forecast (less what a silence since has voided). A
     * later floor wins only by asking for more.
     */
    private Want floor(MetricsSnapshot snapshot, Instant now, boolean initialScaleReached) {
        Want floor = new Want(config.minWarm(), WARM_FLOOR);
        if (!initialScaleReached) {
            floor = floor.raisedTo(config.initialScale(), INITIAL_SCALE);
        }
        if (snapshot.bufferedAtZero() > 0) {
            floor = floor.raisedTo(1, POKE_FROM_ZERO);
        }
        if (snapshot.forecast().isPresent()) {
            LoadForecast f = snapshot.forecast().get();
            double rps = PrewarmPlanner.rateAfterSilence(
                    f.requestsPerSecond(), f.nowRequestsPerSecond(), snapshot.silentFor(now));
            floor = floor.raisedTo(
                    PrewarmPlanner.workersFor(rps, f.meanLatency(), config.target(), config.scaleToZeroGracePeriod()),
                    FORECAST);
        }
        return floor;
    }

    private ScaleDecision decision(Want want, double stable, double panic, boolean panicking) {
        Want capped = want.workers() > config.maxWorkers() ? new Want(config.maxWorkers(), CAPPED_AT_MAX) : want;
        return new ScaleDecision(capped.workers(), capped.reason(), stable, panic, panicking);
    }

    private double workersFor(double concurrency) {
        return concurrency <= 0 ? 0 : Math.ceil(concurrency / config.target() - CEIL_TOLERANCE);
    }

    private static int clamp(double value, double min, double max) {
        return (int) Math.min(Math.min(Math.max(value, min), max), Integer.MAX_VALUE);
    }

    /**
     * Adds {@code latest} to the decisions still inside the delay, dropping those it outlasts and
     * outranks: what is left is largest first, so the head is the maximum over the delay.
     */
    private static List<RecentDecision> remember(List<RecentDecision> recent, RecentDecision latest, Instant cutoff) {
        List<RecentDecision> kept = new ArrayList<>(recent.size() + 1);
        for (RecentDecision d : recent) {
            if (d.at().isAfter(cutoff) && d.workers() > latest.workers()) {
                kept.add(d);
            }
        }
        kept.add(latest);
        return kept;
    }

    private record Want(int workers, Reason reason) {
        Want raisedTo(int other, Reason why) {
            return other > workers ? new Want(other, why) : this;
        }
    }
}
