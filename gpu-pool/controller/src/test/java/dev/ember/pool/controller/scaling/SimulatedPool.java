package dev.ember.pool.controller.scaling;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongToDoubleFunction;

/**
 * A pool driven by a {@link ScalingPolicy} the way a controller drives it: one concurrency sample per
 * second from a load curve, a decision every 2 s, and workers that are ready the moment they are
 * asked for. Time is seconds after {@code t0}; nothing sleeps.
 */
final class SimulatedPool {
    static final int TICK_SECONDS = 2;

    private final ScalingPolicy policy;
    private final Instant t0;
    private final LongToDoubleFunction load;
    private final Deque<ConcurrencySample> samples = new ArrayDeque<>();
    private final Map<Long, ScaleDecision> decisions = new TreeMap<>();
    private long nextSample;
    private long nextTick;
    private int ready;

    /** Load is the concurrency in second {@code s} after {@code t0}; the policy is created at {@code t0}. */
    SimulatedPool(ScalingConfig config, Instant t0, int readyWorkers, LongToDoubleFunction load) {
        this.policy = new ScalingPolicy(config, t0);
        this.t0 = t0;
        this.ready = readyWorkers;
        this.load = load;
    }

    /** Decides every 2 s up to and including second {@code until}. */
    SimulatedPool runUntil(long until) {
        for (; nextTick <= until; nextTick += TICK_SECONDS) {
            tick(nextTick);
        }
        return this;
    }

    ScaleDecision at(long second) {
        runUntil(second);
        ScaleDecision d = decisions.get(second);
        if (d == null) {
            throw new IllegalArgumentException("no decision at " + second + "; decisions are every 2 s");
        }
        return d;
    }

    /** Decisions from {@code from} to {@code to}, both included, in order. */
    List<ScaleDecision> between(long from, long to) {
        runUntil(to);
        return new ArrayList<>(((TreeMap<Long, ScaleDecision>) decisions)
                .subMap(from, true, to, true)
                .values());
    }

    int ready() {
        return ready;
    }

    private void tick(long second) {
        for (; nextSample <= second; nextSample++) {
            samples.addLast(new ConcurrencySample(t0.plusSeconds(nextSample), load.applyAsDouble(nextSample)));
        }
        long keep = policy.config().stableWindow().toSeconds();
        while (samples.size() > keep) {
            samples.removeFirst();
        }
        ScaleDecision d = policy.decide(MetricsSnapshot.of(List.copyOf(samples), ready), t0.plusSeconds(second));
        decisions.put(second, d);
        if (d.isValid()) {
            ready = d.desiredWorkers();
        }
    }
}
