package dev.ember.pool.worker.batching;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Recent batch run time, as an exponentially weighted moving average (weight 1/8 on the newest,
 * about the last dozen batches). Before the first batch, the estimate is one second: a
 * deliberately cautious Retry-After.
 */
final class LatencyEstimate {
    private static final long INITIAL_NANOS = 1_000_000_000L;
    private final AtomicLong ewmaNanos = new AtomicLong(-1);

    void record(long nanos) {
        ewmaNanos.accumulateAndGet(nanos, (old, sample) -> old < 0 ? sample : old + (sample - old) / 8);
    }

    long batchNanos() {
        long v = ewmaNanos.get();
        return v < 0 ? INITIAL_NANOS : v;
    }
}
