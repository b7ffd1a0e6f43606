package dev.ember.pool.worker.batching;

import dev.ember.pool.api.PriorityClass;

/** What a batcher reports as it works; metrics implement it. Called on runner threads: keep it cheap. */
public interface BatchObserver {
    BatchObserver NONE = new BatchObserver() {};

    /** A batch of {@code requests} requests and {@code rows} rows ran for {@code computeNanos}. */
    default void batchRan(int requests, long rows, long computeNanos) {}

    /** Where the time of a batch that ran went (called after {@link #batchRan}). */
    default void batchTimed(BatchTiming timing) {}

    /** A request waited {@code nanos} in its queue before its batch started. */
    default void queued(PriorityClass priority, long nanos) {}

    /** A batch of {@code requests} failed in the model and is run again in halves. */
    default void batchIsolated(int requests) {}

    /** A request split out of a failed batch failed alone: it was answered 400, its batch-mates were not. */
    default void failedAlone() {}
}
