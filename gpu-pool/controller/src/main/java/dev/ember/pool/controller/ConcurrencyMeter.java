package dev.ember.pool.controller;

import java.util.function.LongSupplier;

/**
 * The time-weighted average number of requests a model holds (in flight on its workers, or
 * waiting while every ready worker is full; not waiting for a cold start) since the last sample — Knative's per-second concurrency bucket. Two
 * requests that each lasted half of a one-second interval give 1.0.
 */
final class ConcurrencyMeter {
    private final LongSupplier nanoTime;
    private long current;
    private double area; // request-nanoseconds since windowStart
    private long lastChange;
    private long windowStart;

    ConcurrencyMeter(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        this.lastChange = nanoTime.getAsLong();
        this.windowStart = lastChange;
    }

    synchronized void enter() {
        advance();
        current++;
    }

    synchronized void exit() {
        advance();
        current--;
    }

    synchronized long current() {
        return current;
    }

    /** The average since the previous call, and a new window from now. */
    synchronized double sampleAndReset() {
        advance();
        long now = lastChange;
        double avg = now > windowStart ? area / (now - windowStart) : current;
        area = 0;
        windowStart = now;
        return avg;
    }

    private void advance() {
        long now = nanoTime.getAsLong();
        area += (double) current * (now - lastChange);
        lastChange = now;
    }
}
