package dev.ember.pool.worker.batching;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Fires a task when a queued request's deadline passes, so it fails on time even while every
 * runner is busy computing. Tests substitute a scheduler they fire by hand.
 */
public interface DeadlineScheduler extends AutoCloseable {

    /** A scheduled task that can be called off. */
    interface Timer {
        void cancel();
    }

    Timer schedule(Runnable task, long delayNanos);

    @Override
    default void close() {}

    /** One daemon thread for all models of a process; cancelled timers are removed at once. */
    static DeadlineScheduler system() {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = Executors.defaultThreadFactory().newThread(r);
            t.setName("ember-deadlines");
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        return new DeadlineScheduler() {
            @Override
            public Timer schedule(Runnable task, long delayNanos) {
                ScheduledFuture<?> f = executor.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
                return () -> f.cancel(false);
            }

            @Override
            public void close() {
                executor.shutdownNow();
            }
        };
    }
}
