package dev.ember.pool.worker.batching;

import java.util.ArrayList;
import java.util.List;

/** Deadline timers that fire only when the test says so. */
final class ManualDeadlines implements DeadlineScheduler {
    private final List<Runnable> armed = new ArrayList<>();

    @Override
    public synchronized Timer schedule(Runnable task, long delayNanos) {
        armed.add(task);
        return () -> {
            synchronized (this) {
                armed.remove(task);
            }
        };
    }

    synchronized int armedCount() {
        return armed.size();
    }

    /** Fires every timer still armed, as if all deadlines had passed. */
    void fireAll() {
        List<Runnable> due;
        synchronized (this) {
            due = new ArrayList<>(armed);
            armed.clear();
        }
        due.forEach(Runnable::run);
    }
}
