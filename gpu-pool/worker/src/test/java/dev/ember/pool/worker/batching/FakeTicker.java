package dev.ember.pool.worker.batching;

import java.time.Duration;

/** A clock that moves only when told to. */
final class FakeTicker implements Ticker {
    private long nanos = 1_000_000_000L;

    @Override
    public long nanos() {
        return nanos;
    }

    void advance(Duration d) {
        nanos += d.toNanos();
    }

    void advanceMillis(double ms) {
        nanos += (long) (ms * 1_000_000);
    }
}
