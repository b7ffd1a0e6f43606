package dev.ember.pool.controller;

import dev.ember.pool.api.PriorityClass;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The requests of one model that wait for a worker: the activator's buffer when the model has no
 * ready worker, and the overflow when every ready worker holds all it should. Pure: no threads, no
 * clock (times are nanoseconds passed in), not thread-safe (its owner locks).
 *
 * <p>It leaves by priority: the next request is the oldest of the highest class waiting, so a vip
 * request overtakes every realtime one. It admits by priority too: each class has its own cap (the
 * model's {@code priorities.<class>.queue_cap}, the same bound the worker's queues use), and a
 * request whose expected wait is already longer than its deadline is refused at once instead of
 * timing out later. Both refusals say when to come back, from the measured rate at which the
 * model's workers answer: {@code Retry-After = ceil((requests ahead + 1) / answers per second)}.
 *
 * <p>Worked example: the workers answer 200 req/s; 150 realtime requests wait, 10 vip. A realtime
 * request with a 500 ms deadline has 160 ahead of it: 160 / 200 = 0.8 s expected, over its
 * deadline, so it is refused now, Retry-After ceil(161 / 200) = 1 s. A vip request has 10 ahead:
 * 50 ms, admitted.
 */
final class WaitingRoom<T> {
    /** One waiting request: its class, when it arrived, when it must have left, and what it is. */
    record Entry<T>(PriorityClass priority, long arrivedNanos, long deadlineNanos, T item) {
        Entry {
            Objects.requireNonNull(priority, "priority");
        }
    }

    /** Why a request was not let in, and when to come back. */
    record Refusal(String reason, Duration retryAfter) {}

    private final Map<PriorityClass, Integer> caps;
    private final int maxTotal;
    private final EnumMap<PriorityClass, ArrayDeque<Entry<T>>> queues = new EnumMap<>(PriorityClass.class);
    private int size;

    /**
     * @param caps requests that may wait, per class
     * @param maxTotal requests that may wait in all
     */
    WaitingRoom(Map<PriorityClass, Integer> caps, int maxTotal) {
        this.caps = Map.copyOf(caps);
        this.maxTotal = maxTotal;
        for (PriorityClass c : PriorityClass.values()) {
            queues.put(c, new ArrayDeque<>());
        }
    }

    /**
     * Lets {@code entry} in, or says why not. {@code answersPerSecond} is the workers' measured rate
     * (0: not known yet, e.g. at zero workers, when only the caps apply); {@code inService} the
     * requests the workers hold now, which leave before any waiting one starts.
     */
    Optional<Refusal> offer(Entry<T> entry, long nowNanos, double answersPerSecond, int inService) {
        PriorityClass c = entry.priority();
        int ahead = ahead(c) + inService;
        int cap = caps.getOrDefault(c, maxTotal);
        if (queues.get(c).size() >= cap || size >= maxTotal) {
            return Optional.of(new Refusal(
                    (size >= maxTotal ? size + " requests" : queues.get(c).size() + " " + c.wireName() + " requests")
                            + " are already waiting for a worker",
                    retryAfter(ahead, answersPerSecond)));
        }
        if (answersPerSecond > 0) {
            double expectedNanos = ahead / answersPerSecond * 1e9;
            long left = entry.deadlineNanos() - nowNanos;
            if (expectedNanos > left) {
                return Optional.of(new Refusal(
                        String.format(
                                java.util.Locale.ROOT,
                                "%d requests are ahead of it (about %.0f ms at %.0f answers/s), more than its %d ms"
                                        + " deadline",
                                ahead,
                                expectedNanos / 1e6,
                                answersPerSecond,
                                Math.max(0, left / 1_000_000)),
                        retryAfter(ahead, answersPerSecond)));
            }
        }
        queues.get(c).addLast(entry);
        size++;
        return Optional.empty();
    }

    /** The next to leave: the oldest of the highest class waiting; empty when none waits. */
    Optional<Entry<T>> poll() {
        for (ArrayDeque<Entry<T>> q : queues.values()) { // EnumMap iterates highest class first
            Entry<T> e = q.pollFirst();
            if (e != null) {
                size--;
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /** Takes {@code entry} out (its deadline passed); false if it had left already. */
    boolean remove(Entry<T> entry) {
        boolean removed = queues.get(entry.priority()).remove(entry);
        if (removed) {
            size--;
        }
        return removed;
    }

    /** Requests waiting in class {@code c} or above: those that leave before a new one of {@code c}. */
    int ahead(PriorityClass c) {
        int n = 0;
        for (PriorityClass k : PriorityClass.values()) {
            if (k.ordinal() <= c.ordinal()) {
                n += queues.get(k).size();
            }
        }
        return n;
    }

    int size() {
        return size;
    }

    /** Takes every waiting request out, highest class first (the pool is closing). */
    java.util.List<Entry<T>> clear() {
        java.util.List<Entry<T>> all = new java.util.ArrayList<>(size);
        for (ArrayDeque<Entry<T>> q : queues.values()) {
            all.addAll(q);
            q.clear();
        }
        size = 0;
        return all;
    }

    /** ceil((ahead + 1) / rate) seconds, at least 1 and at most 60; 1 s when the rate is not known. */
    static Duration retryAfter(int ahead, double answersPerSecond) {
        if (!(answersPerSecond > 0)) {
            return Duration.ofSeconds(1);
        }
        long seconds = (long) Math.ceil((ahead + 1) / answersPerSecond);
        return Duration.ofSeconds(Math.max(1, Math.min(60, seconds)));
    }
}
