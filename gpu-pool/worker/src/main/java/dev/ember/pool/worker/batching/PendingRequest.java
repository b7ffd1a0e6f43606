package dev.ember.pool.worker.batching;

import dev.ember.pool.api.PriorityClass;
import dev.ember.pool.api.Shape;
import dev.ember.pool.api.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/** A request waiting in a {@link BatchQueue}; identity, not content, is what queues compare. */
final class PendingRequest {
    final Map<String, Tensor> inputs;
    final Set<String> outputs;
    final long rows;
    /** Every input's shape but dimension 0: only requests with equal keys can be stacked. */
    final List<Shape> key;

    final PriorityClass priority;
    final long enqueuedNanos;
    final long deadlineNanos;
    final CompletableFuture<BatchResult> result = new CompletableFuture<>();
    private volatile DeadlineScheduler.Timer timer;

    PendingRequest(
            Map<String, Tensor> inputs,
            Set<String> outputs,
            long rows,
            PriorityClass priority,
            long enqueuedNanos,
            long deadlineNanos) {
        this.inputs = inputs;
        this.outputs = outputs;
        this.rows = rows;
        this.priority = priority;
        this.enqueuedNanos = enqueuedNanos;
        this.deadlineNanos = deadlineNanos;
        List<Shape> tails = new ArrayList<>(inputs.size());
        for (Tensor t : inputs.values()) {
            tails.add(t.shape().rank() == 0 ? t.shape() : t.shape().withBatch(0));
        }
        this.key = List.copyOf(tails);
    }

    void armTimer(DeadlineScheduler.Timer t) {
        timer = t;
    }

    void disarmTimer() {
        DeadlineScheduler.Timer t = timer;
        if (t != null) {
            t.cancel();
        }
    }
}
