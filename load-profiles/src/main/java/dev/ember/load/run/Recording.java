package dev.ember.load.run;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What happened to every scheduled arrival, by its index in the {@link Schedule}: its outcome, its
 * latency measured from the time it was due (not from when it was sent, so a stalled server or
 * a generator that fell behind shows up in full: no coordinated omission), and when it completed.
 * Each index is written once, by whichever thread completed it; {@link #finished} publishes them.
 */
public final class Recording {
    private final byte[] outcome;
    private final long[] latencyNanos;
    private final long[] completedNanos;
    private final long[] sendLagNanos;
    private final AtomicInteger finished = new AtomicInteger();
    private final AtomicInteger[] byOutcome;

    public Recording(int size) {
        outcome = new byte[size];
        Arrays.fill(outcome, (byte) -1);
        latencyNanos = new long[size];
        completedNanos = new long[size];
        sendLagNanos = new long[size];
        byOutcome = new AtomicInteger[Outcome.values().length];
        for (int i = 0; i < byOutcome.length; i++) {
            byOutcome[i] = new AtomicInteger();
        }
    }

    /** Arrival {@code i}, due at {@code dueNanos} (from the run's start), ended at {@code nowNanos}. */
    public void record(int i, Outcome o, long dueNanos, long sentNanos, long nowNanos) {
        outcome[i] = (byte) o.ordinal();
        latencyNanos[i] = Math.max(0, nowNanos - dueNanos);
        completedNanos[i] = nowNanos;
        sendLagNanos[i] = Math.max(0, sentNanos - dueNanos);
        byOutcome[o.ordinal()].incrementAndGet();
        finished.incrementAndGet();
    }

    public int size() {
        return outcome.length;
    }

    public int finished() {
        return finished.get();
    }

    public int count(Outcome o) {
        return byOutcome[o.ordinal()].get();
    }

    /** The outcome of arrival {@code i}, or null if it never ended (the run was cut off). */
    public Outcome outcome(int i) {
        finished.get(); // reads after the writes the counter published
        return outcome[i] < 0 ? null : Outcome.values()[outcome[i]];
    }

    public long latencyNanos(int i) {
        return latencyNanos[i];
    }

    public long completedNanos(int i) {
        return completedNanos[i];
    }

    /** How late the generator itself sent arrival {@code i} (its own lag, included in the latency). */
    public long sendLagNanos(int i) {
        return sendLagNanos[i];
    }
}
