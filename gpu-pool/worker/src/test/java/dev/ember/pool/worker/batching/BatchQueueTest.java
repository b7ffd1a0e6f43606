package dev.ember.pool.worker.batching;

import static dev.ember.pool.api.PriorityClass.ASYNC;
import static dev.ember.pool.api.PriorityClass.BATCH;
import static dev.ember.pool.api.PriorityClass.REALTIME;
import static dev.ember.pool.api.PriorityClass.VIP;
import static dev.ember.pool.worker.batching.Requests.pending;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.config.ModelConfigReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchQueueTest {
    private final FakeTicker clock = new FakeTicker();
    private final LatencyEstimate latency = new LatencyEstimate();
    private final List<PendingRequest> expired = new ArrayList<>();

    private BatchQueue queue(String yaml) {
        return new BatchQueue(ModelConfigReader.parse(yaml), latency);
    }

    private BatchQueue.Poll poll(BatchQueue q) {
        return q.poll(clock.nanos(), expired);
    }

    private static List<PendingRequest> dispatched(BatchQueue.Poll p) {
        assertThat(p).isInstanceOf(BatchQueue.Dispatch.class);
        return ((BatchQueue.Dispatch) p).batch();
    }

    @Test
    void fullBatchLeavesAtOnce() {
        BatchQueue q = queue("max_batch_size: 4\nmax_queue_delay_ms: 50");
        List<PendingRequest> sent = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            sent.add(pending(clock, REALTIME, 1));
            q.offer(sent.get(i));
        }
        assertThat(dispatched(poll(q))).containsExactlyElementsOf(sent);
        assertThat(poll(q)).isInstanceOf(BatchQueue.Idle.class);
    }

    @Test
    void partialBatchWaitsForTheDelayCountedFromTheOldestRequest() {
        BatchQueue q = queue("max_batch_size: 8\nmax_queue_delay_ms: 2");
        PendingRequest first = pending(clock, REALTIME, 1);
        q.offer(first);
        clock.advanceMillis(1.5);
        PendingRequest second = pending(clock, REALTIME, 1);
        q.offer(second);

        BatchQueue.Poll p = poll(q);
        assertThat(p).isEqualTo(new BatchQueue.Wait(first.enqueuedNanos + 2_000_000));

        clock.advanceMillis(0.5); // the oldest has now waited 2 ms
        assertThat(dispatched(poll(q))).containsExactly(first, second);
    }

    @Test
    void preferredSizeLeavesWithoutWaitingAndTheRestWaits() {
        // The worked example of BatchQueue's javadoc: max 8, preferred [4], delay 2 ms.
        BatchQueue q = queue("max_batch_size: 8\nmax_queue_delay_ms: 2\npreferred_batch_sizes: [4]");
        List<PendingRequest> four = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            four.add(pending(clock, REALTIME, 1));
            q.offer(four.get(i));
            if (i < 3) {
                assertThat(poll(q)).isInstanceOf(BatchQueue.Wait.class);
            }
            clock.advanceMillis(0.5);
        }
        assertThat(dispatched(poll(q))).containsExactlyElementsOf(four);

        PendingRequest fifth = pending(clock, REALTIME, 1);
        q.offer(fifth);
        assertThat(poll(q)).isInstanceOf(BatchQueue.Wait.class);
        clock.advanceMillis(2);
        assertThat(dispatched(poll(q))).containsExactly(fifth);
    }

    @Test
    void largestPreferredPrefixIsChosen() {
        BatchQueue q = queue("max_batch_size: 8\nmax_queue_delay_ms: 100\npreferred_batch_sizes: [2, 4]");
        List<PendingRequest> five = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            five.add(pending(clock, REALTIME, 1));
            q.offer(five.get(i));
        }
        assertThat(dispatched(poll(q))).containsExactlyElementsOf(five.subList(0, 4));
    }

    @Test
    void batchSizeCountsRowsAndNeverSplitsARequest() {
        BatchQueue q = queue("max_batch_size: 8\nmax_queue_delay_ms: 2");
        PendingRequest a = pending(clock, REALTIME, 3);
        PendingRequest b = pending(clock, REALTIME, 3);
        PendingRequest c = pending(clock, REALTIME, 3);
        PendingRequest d = pending(clock, REALTIME, 2);
        List.of(a, b, c, d).forEach(q::offer);
        // 3 + 3 = 6; c (3 more) does not fit, d (2 more) fills the batch to exactly 8.
        assertThat(dispatched(poll(q))).containsExactly(a, b, d);
        clock.advanceMillis(2);
        assertThat(dispatched(poll(q))).containsExactly(c);
    }

    @Test
    void onlyRequestsWithEqualNonBatchShapesAreStacked() {
        BatchQueue q = queue("max_batch_size: 8\nmax_queue_delay_ms: 2");
        PendingRequest narrow1 = pending(clock, REALTIME, 1, 2, Duration.ofSeconds(10));
        PendingRequest wide = pending(clock, REALTIME, 1, 3, Duration.ofSeconds(10));
        PendingRequest narrow2 = pending(clock, REALTIME, 1, 2, Duration.ofSeconds(10));
        List.of(narrow1, wide, narrow2).forEach(q::offer);
        clock.advanceMillis(2);
        assertThat(dispatched(poll(q))).containsExactly(narrow1, narrow2);
        assertThat(dispatched(poll(q))).containsExactly(wide);
    }

    @Test
    void higherClassesGoFirstAndLowerOnesFillSpareRows() {
        BatchQueue q = queue("max_batch_size: 3\nmax_queue_delay_ms: 2");
        PendingRequest batch1 = pending(clock, BATCH, 1);
        PendingRequest async = pending(clock, ASYNC, 1);
        PendingRequest batch2 = pending(clock, BATCH, 1);
        clock.advanceMillis(1);
        PendingRequest vip = pending(clock, VIP, 1);
        PendingRequest realtime = pending(clock, REALTIME, 1);
        List.of(batch1, async, batch2, vip, realtime).forEach(q::offer);

        assertThat(dispatched(poll(q))).containsExactly(vip, realtime, async);
        // The head is now batch1, which has waited 1 ms of its 2.
        assertThat(poll(q)).isEqualTo(new BatchQueue.Wait(batch1.enqueuedNanos + 2_000_000));
    }

    @Test
    void unbatchedModelsRunOneRequestAtATimeInPriorityOrder() {
        BatchQueue q = queue("max_batch_size: 0");
        PendingRequest low = pending(clock, BATCH, 1);
        PendingRequest high = pending(clock, VIP, 1);
        q.offer(low);
        q.offer(high);
        assertThat(dispatched(poll(q))).containsExactly(high);
        assertThat(dispatched(poll(q))).containsExactly(low);
    }

    @Test
    void requestsPastTheirDeadlineAreRemovedBeforeTheyCostCompute() {
        BatchQueue q = queue("max_batch_size: 8\nmax_queue_delay_ms: 50");
        PendingRequest shortLived = pending(clock, REALTIME, 1, 2, Duration.ofMillis(5));
        PendingRequest longLived = pending(clock, REALTIME, 1, 2, Duration.ofSeconds(10));
        q.offer(shortLived);
        q.offer(longLived);

        // While waiting for the batch to fill, the runner must wake for the earlier deadline.
        assertThat(poll(q)).isEqualTo(new BatchQueue.Wait(shortLived.deadlineNanos));

        clock.advanceMillis(50);
        assertThat(dispatched(poll(q))).containsExactly(longLived);
        assertThat(expired).containsExactly(shortLived);
    }

    @Test
    void fullQueueRejectsAtOnceWithRetryAfterFromDepthAndBatchLatency() {
        BatchQueue q = queue("max_batch_size: 1\npriorities: {realtime: {queue_cap: 2}}");
        latency.record(Duration.ofSeconds(3).toNanos());
        q.offer(pending(clock, REALTIME, 1));
        q.offer(pending(clock, REALTIME, 1));

        assertThatThrownBy(() -> q.offer(pending(clock, REALTIME, 1)))
                .isInstanceOfSatisfying(InferenceException.class, e -> {
                    assertThat(e.reason()).isEqualTo(InferenceException.Reason.OVERLOADED);
                    assertThat(e.getMessage()).contains("realtime queue is full");
                    // 2 waiting, 1 row per batch, 3 s per batch, 1 runner: 6 s to drain.
                    assertThat(e.retryAfter()).contains(Duration.ofSeconds(6));
                });
        // Other classes have their own queues.
        q.offer(pending(clock, VIP, 1));
        assertThat(q.depth()).isEqualTo(3);
    }

    @Test
    void retryAfterIsAtLeastOneSecond() {
        BatchQueue q = queue("max_batch_size: 32\npriorities: {vip: {queue_cap: 1}}");
        latency.record(Duration.ofMillis(3).toNanos());
        q.offer(pending(clock, VIP, 1));
        assertThatThrownBy(() -> q.offer(pending(clock, VIP, 1)))
                .isInstanceOfSatisfying(
                        InferenceException.class,
                        e -> assertThat(e.retryAfter()).contains(Duration.ofSeconds(1)));
    }

    @Test
    void closedQueueRefusesNewWorkAndDrainsWithoutWaitingForFullBatches() {
        BatchQueue q = queue("max_batch_size: 8\nmax_queue_delay_ms: 1000");
        PendingRequest queued = pending(clock, REALTIME, 1);
        q.offer(queued);
        q.close();

        assertThatThrownBy(() -> q.offer(pending(clock, REALTIME, 1)))
                .isInstanceOfSatisfying(
                        InferenceException.class,
                        e -> assertThat(e.reason()).isEqualTo(InferenceException.Reason.UNAVAILABLE));
        assertThat(dispatched(poll(q))).containsExactly(queued);
        assertThat(poll(q)).isInstanceOf(BatchQueue.Drained.class);
    }

    @Test
    void cancelledRequestsAreDroppedSilently() {
        BatchQueue q = queue("max_batch_size: 8\nmax_queue_delay_ms: 0");
        PendingRequest cancelled = pending(clock, REALTIME, 1);
        PendingRequest kept = pending(clock, REALTIME, 1);
        q.offer(cancelled);
        q.offer(kept);
        cancelled.result.cancel(false);
        assertThat(dispatched(poll(q))).containsExactly(kept);
        assertThat(expired).isEmpty();
        assertThat(q.depth()).isZero();
    }

    @Test
    void removeTakesOutOnlyQueuedRequests() {
        BatchQueue q = queue("max_queue_delay_ms: 0");
        PendingRequest r = pending(clock, REALTIME, 1);
        q.offer(r);
        assertThat(q.remove(r)).isTrue();
        assertThat(q.remove(r)).isFalse();
        assertThat(poll(q)).isInstanceOf(BatchQueue.Idle.class);
    }
}
