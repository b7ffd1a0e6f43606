package dev.ember.pool.worker.batching;

import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.PriorityClass;
import dev.ember.pool.api.config.ModelConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Per-model admission and batch formation: one bounded FIFO per priority class, and the rule
 * that decides, at a given instant, whether to dispatch a batch now or wait for it to fill.
 *
 * <p>The rule ({@link #poll}): the head is the oldest request of the highest non-empty class.
 * Requests whose non-batch shapes equal the head's are gathered, highest class first, FIFO within
 * a class, up to {@code max_batch_size} rows. The batch goes at once if it is full or if a prefix
 * of it adds up to a preferred size (the largest such prefix goes); otherwise it waits until the
 * head has waited {@code max_queue_delay}, then goes as it is. Worked through: max 8, preferred
 * [4], delay 2 ms, requests of 1 row arriving at t = 0, 0.5, 1, 1.5 ms: at 1.5 ms the four rows
 * form the preferred size and leave; a fifth at 1.8 ms leaves alone at 3.8 ms.
 *
 * <p>Requests past their deadline are removed before they cost compute. A full class queue
 * rejects at once with a Retry-After estimate. All state is guarded by one lock; the clock is
 * a parameter, so the rule is tested by stepping a fake clock.
 */
final class BatchQueue {
    private final ModelConfig config;
    private final LatencyEstimate latency;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Map<PriorityClass, LinkedHashSet<PendingRequest>> queues = new EnumMap<>(PriorityClass.class);
    private int size;
    private boolean closed;

    BatchQueue(ModelConfig config, LatencyEstimate latency) {
        this.config = config;
        this.latency = latency;
        for (PriorityClass c : PriorityClass.values()) {
            queues.put(c, new LinkedHashSet<>());
        }
    }

    /** What a runner should do now. */
    sealed interface Poll permits Dispatch, Wait, Idle, Drained {}

    /** Run these requests as one batch. */
    record Dispatch(List<PendingRequest> batch) implements Poll {}

    /** Nothing to dispatch before {@code untilNanos} (a batch may fill, or a deadline passes). */
    record Wait(long untilNanos) implements Poll {}

    /** Nothing queued. */
    record Idle() implements Poll {}

    /** Closed and empty: the runner may stop. */
    record Drained() implements Poll {}

    void offer(PendingRequest r) {
        lock.lock();
        try {
            if (closed) {
                throw InferenceException.unavailable("model is shutting down; send the request to another worker");
            }
            LinkedHashSet<PendingRequest> q = queues.get(r.priority);
            int cap = config.priority(r.priority).queueCap();
            if (q.size() >= cap) {
                Duration retryAfter = retryAfter(r.priority);
                throw InferenceException.overloaded(
                        "the " + r.priority.wireName() + " queue is full (" + cap + " requests waiting); retry in "
                                + retryAfter.toSeconds() + " s",
                        retryAfter);
            }
            q.add(r);
            size++;
            changed.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Removes a request that is still queued (its deadline passed or it was cancelled). */
    boolean remove(PendingRequest r) {
        lock.lock();
        try {
            boolean removed = queues.get(r.priority).remove(r);
            if (removed) {
                size--;
            }
            return removed;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Decides what to do at {@code now}. Requests found past their deadline are removed and
     * added to {@code expired}, for the caller to fail outside the lock.
     */
    Poll poll(long now, List<PendingRequest> expired) {
        lock.lock();
        try {
            long earliestDeadline = removeExpired(now, expired);
            PendingRequest head = head();
            if (head == null) {
                return closed ? new Drained() : new Idle();
            }
            if (!config.batching()) {
                dequeue(List.of(head));
                return new Dispatch(List.of(head));
            }
            List<PendingRequest> gathered = gather(head);
            long rows = 0;
            for (PendingRequest r : gathered) {
                rows += r.rows;
            }
            List<PendingRequest> preferred = preferredPrefix(gathered);
            List<PendingRequest> batch;
            if (rows >= config.maxBatchSize()) {
                batch = gathered;
            } else if (preferred != null) {
                batch = preferred;
            } else if (closed
                    || now - head.enqueuedNanos >= config.maxQueueDelay().toNanos()) {
                batch = gathered;
            } else {
                return new Wait(
                        Math.min(head.enqueuedNanos + config.maxQueueDelay().toNanos(), earliestDeadline));
            }
            dequeue(batch);
            return new Dispatch(batch);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Blocks until there is a batch to run (returned), requests expired (an empty list, so the
     * caller fails them promptly), or the queue is closed and empty (null).
     */
    List<PendingRequest> take(Ticker ticker, List<PendingRequest> expired) throws InterruptedException {
        lock.lock();
        try {
            while (true) {
                Poll p = poll(ticker.nanos(), expired);
                if (p instanceof Dispatch d) {
                    return d.batch();
                }
                if (p instanceof Drained) {
                    return null;
                }
                if (!expired.isEmpty()) {
                    return List.of();
                }
                if (p instanceof Wait w) {
                    changed.awaitNanos(Math.max(1, w.untilNanos() - ticker.nanos()));
                } else {
                    changed.await();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Stops admission; queued requests still run (waiting for a fuller batch is skipped). */
    void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    int depth(PriorityClass c) {
        lock.lock();
        try {
            return queues.get(c).size();
        } finally {
            lock.unlock();
        }
    }

    int depth() {
        lock.lock();
        try {
            return size;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Time to drain what waits at or above {@code c}: batches needed × recent batch latency,
     * spread over the runners; at least one second (Retry-After's resolution).
     */
    private Duration retryAfter(PriorityClass c) {
        long ahead = 0;
        for (PriorityClass k : PriorityClass.values()) {
            if (k.ordinal() <= c.ordinal()) {
                ahead += queues.get(k).size();
            }
        }
        long perBatch = Math.max(1, config.maxBatchSize());
        long batches = (ahead + perBatch - 1) / perBatch;
        long nanos = batches * latency.batchNanos() / config.instances();
        return Duration.ofSeconds(Math.max(1, (nanos + TimeUnit.SECONDS.toNanos(1) - 1) / TimeUnit.SECONDS.toNanos(1)));
    }

    private long removeExpired(long now, List<PendingRequest> expired) {
        long earliest = Long.MAX_VALUE;
        for (LinkedHashSet<PendingRequest> q : queues.values()) {
            for (Iterator<PendingRequest> it = q.iterator(); it.hasNext(); ) {
                PendingRequest r = it.next();
                if (r.result.isDone()) { // cancelled by its caller
                    it.remove();
                    size--;
                } else if (r.deadlineNanos - now <= 0) {
                    it.remove();
                    size--;
                    expired.add(r);
                } else if (r.deadlineNanos - earliest < 0) {
                    earliest = r.deadlineNanos;
                }
            }
        }
        return earliest;
    }

    private PendingRequest head() {
        for (LinkedHashSet<PendingRequest> q : queues.values()) {
            if (!q.isEmpty()) {
                return q.iterator().next();
            }
        }
        return null;
    }

    private List<PendingRequest> gather(PendingRequest head) {
        List<PendingRequest> batch = new ArrayList<>();
        long rows = 0;
        long max = config.maxBatchSize();
        for (LinkedHashSet<PendingRequest> q : queues.values()) {
            for (PendingRequest r : q) {
                if (r.key.equals(head.key) && rows + r.rows <= max) {
                    batch.add(r);
                    rows += r.rows;
                    if (rows == max) {
                        return batch;
                    }
                }
            }
        }
        return batch;
    }

    /** The longest prefix of {@code gathered} whose rows add up to a preferred size, or null. */
    private List<PendingRequest> preferredPrefix(List<PendingRequest> gathered) {
        List<Integer> preferred = config.preferredBatchSizes();
        if (preferred.isEmpty()) {
            return null;
        }
        long rows = 0;
        int best = -1;
        for (int i = 0; i < gathered.size(); i++) {
            rows += gathered.get(i).rows;
            if (preferred.contains((int) rows)) {
                best = i;
            }
        }
        return best < 0 ? null : gathered.subList(0, best + 1);
    }

    private void dequeue(List<PendingRequest> batch) {
        for (PendingRequest r : batch) {
            queues.get(r.priority).remove(r);
            size--;
        }
    }
}
