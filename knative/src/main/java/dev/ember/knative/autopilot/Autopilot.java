package dev.ember.knative.autopilot;

import dev.ember.knative.config.PoolModel;
import dev.ember.knative.deploy.Cluster;
import dev.ember.knative.deploy.DeployException;
import dev.ember.knative.deploy.Scaler;
import dev.ember.knative.render.Labels;
import dev.ember.knative.render.Manifests;
import dev.ember.warmup.forecast.ForecasterConfig;
import dev.ember.warmup.prewarm.MinuteCount;
import dev.ember.warmup.prewarm.PrewarmPlan;
import dev.ember.warmup.prewarm.PrewarmPlanner;
import dev.ember.warmup.prewarm.PrewarmSettings;
import dev.ember.warmup.prewarm.RateHistory;
import dev.ember.warmup.prewarm.RateHistoryStore;
import io.fabric8.knative.serving.v1.Service;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The predictive prewarm loop ({@code deploy autopilot}): every interval it reads each model's pool
 * calls, feeds them to the model's {@link RateHistory}, asks the {@link PrewarmPlanner} — the same
 * policy the local pool scales by — for the floor to hold, and patches the pool Service's {@code
 * min-scale} to it: up ahead of a predicted burst, down (to zero) when the plan says so. Knative's
 * autoscaler does the rest above the floor. At most one patch per model per interval; a {@code
 * prewarm --for} hold is honoured until it ends; a model mid-rollout is left alone. Every decision
 * is logged with its reason.
 *
 * <p>One {@link #tick} is one step, on the instant it is given: tests drive it with synthetic time.
 * A reading that fails is a skipped tick, never zero traffic (which would scale everything down).
 */
public final class Autopilot {
    /** What the autopilot did for one model at one tick. */
    public record Decision(Instant at, String model, Action action, int from, int to, String reason) {
        @Override
        public String toString() {
            return at + " " + model + ": " + action.name().toLowerCase(java.util.Locale.ROOT) + " min-scale " + from
                    + (from == to ? "" : " → " + to) + " — " + reason;
        }
    }

    public enum Action {
        PATCHED,
        WOULD_PATCH,
        HELD,
        RATE_LIMITED,
        SKIPPED
    }

    private final Cluster cluster;
    private final Scaler scaler;
    private final RateSource source;
    private final Duration interval;
    private final Duration defaultLatency;
    private final boolean dryRun;
    private final Consumer<String> log;
    private final Map<String, Model> models = new LinkedHashMap<>();
    private Instant lastTick;

    private static final class Model {
        final RateHistory history;
        final PrewarmPlanner planner;
        Duration latency;
        Instant lastPatch;

        Model(RateHistory history, PrewarmPlanner planner, Duration latency) {
            this.history = history;
            this.planner = planner;
            this.latency = latency;
        }
    }

    /**
     * @param defaultLatency the mean pool-call time assumed until one is observed
     * @param store where each model's history is kept (and restored from); if it holds nothing for a
     *     model, the source's past (Prometheus) starts the history
     */
    public Autopilot(
            Cluster cluster,
            List<PoolModel> pools,
            RateSource source,
            RateHistoryStore store,
            Duration interval,
            Duration defaultLatency,
            boolean dryRun,
            Instant now,
            Consumer<String> log) {
        this.cluster = cluster;
        this.scaler = new Scaler(cluster);
        this.source = source;
        this.interval = interval;
        this.defaultLatency = defaultLatency;
        this.dryRun = dryRun;
        this.log = log;
        for (PoolModel pool : pools) {
            RateHistoryStore from = store;
            if (store.load(pool.name()).isEmpty()) {
                List<MinuteCount> past = source.history(pool.name(), now, RateHistoryStore.DEFAULT_CAPACITY);
                if (!past.isEmpty()) {
                    RateHistoryStore seeded = RateHistoryStore.inMemory(RateHistoryStore.DEFAULT_CAPACITY);
                    past.forEach(m -> seeded.append(pool.name(), m));
                    from = new SeededStore(seeded, store);
                    log.accept(pool.name() + ": history started from " + past.size() + " minutes of the rate source");
                }
            }
            RateHistory history = RateHistory.restore(pool.name(), ForecasterConfig.DEFAULTS, from);
            // Per pod, the target the pool Service gives Knative's autoscaler, at Knative's utilization.
            PrewarmSettings s = PrewarmSettings.of(pool.config().scaling());
            PrewarmSettings settings = new PrewarmSettings(
                    Manifests.concurrencyTarget(pool.config()) * PrewarmSettings.TARGET_UTILIZATION,
                    s.minWarm(),
                    s.maxWorkers(),
                    s.scaleToZeroGrace(),
                    s.leadTime(),
                    s.lookahead());
            models.put(pool.name(), new Model(history, new PrewarmPlanner(settings), defaultLatency));
        }
    }

    /** One step at {@code now}: read, plan, patch. */
    public List<Decision> tick(Instant now) {
        Map<String, ModelLoad> loads;
        try {
            loads = source.read(now);
        } catch (RuntimeException e) {
            log.accept(now + " skipped: " + e.getMessage() + " (no reading is not zero traffic: floors stay)");
            return List.of();
        }
        // A reading covers the time since the previous one: it is counted from that interval's start.
        Instant from = lastTick != null && lastTick.isBefore(now) ? lastTick : now;
        lastTick = now;
        List<Decision> decisions = new ArrayList<>();
        models.forEach((name, m) -> {
            ModelLoad load = loads.getOrDefault(name, new ModelLoad(0, Optional.empty()));
            m.history.observe(from, load.requests());
            load.meanLatency().ifPresent(l -> m.latency = l);
            Decision d = decide(name, m, m.planner.plan(m.history, m.latency, now), now);
            log.accept(d.toString());
            decisions.add(d);
        });
        return decisions;
    }

    private Decision decide(String name, Model m, PrewarmPlan plan, Instant now) {
        Service live;
        try {
            live = cluster.pool(name);
        } catch (DeployException e) {
            return new Decision(now, name, Action.SKIPPED, 0, 0, e.getMessage());
        }
        int current = Scaler.intAnnotation(live, Labels.MIN_SCALE, 0);
        int floor = plan.floor();
        String reason = plan.explain();
        Optional<Integer> held = Scaler.heldFloor(live, now);
        if (held.isPresent() && held.get() > floor) {
            floor = held.get();
            reason = "held by prewarm until "
                    + live.getMetadata().getAnnotations().get(Labels.PREWARM_UNTIL) + "; plan: " + reason;
        }
        boolean holdExpired = held.isEmpty()
                && live.getMetadata().getAnnotations() != null
                && live.getMetadata().getAnnotations().containsKey(Labels.PREWARM_UNTIL);
        if (floor == current && !holdExpired) {
            return new Decision(now, name, Action.HELD, current, current, reason);
        }
        if (m.lastPatch != null && Duration.between(m.lastPatch, now).compareTo(interval) < 0) {
            return new Decision(
                    now,
                    name,
                    Action.RATE_LIMITED,
                    current,
                    floor,
                    "patched at " + m.lastPatch + ", at most once per " + interval.toSeconds() + " s; " + reason);
        }
        if (Scaler.pinned(live)) {
            return new Decision(now, name, Action.SKIPPED, current, floor, "mid-rollout (traffic pinned); " + reason);
        }
        try {
            scaler.setMinScale(live, floor, holdExpired ? Scaler.Hold.CLEAR : Scaler.Hold.KEEP, dryRun);
        } catch (DeployException e) {
            return new Decision(now, name, Action.SKIPPED, current, floor, e.getMessage());
        }
        m.lastPatch = now;
        return new Decision(now, name, dryRun ? Action.WOULD_PATCH : Action.PATCHED, current, floor, reason);
    }

    public Duration interval() {
        return interval;
    }

    public Duration defaultLatency() {
        return defaultLatency;
    }

    /** Reads a seeded past, writes on to the real store. */
    private record SeededStore(RateHistoryStore past, RateHistoryStore store) implements RateHistoryStore {
        @Override
        public List<MinuteCount> load(String model) {
            return past.load(model);
        }

        @Override
        public void append(String model, MinuteCount minute) {
            store.append(model, minute);
        }

        @Override
        public int capacity() {
            return store.capacity();
        }
    }
}
