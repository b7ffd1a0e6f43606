package dev.ember.pool.worker.batching;

/** A monotonic nanosecond clock; tests substitute one they advance by hand. */
@FunctionalInterface
public interface Ticker {
    Ticker SYSTEM = System::nanoTime;

    long nanos();
}
