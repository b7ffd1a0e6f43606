package dev.ember.pool.worker.batching;

import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.PriorityClass;
import dev.ember.pool.api.Tensor;
import dev.ember.pool.api.config.ModelConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Batches a model's requests and runs them on {@code instances} runner threads that share one
 * {@link BatchRunner}. The batcher owns its runner threads, its {@link BatchQueue} and one {@link
 * StagingArena} per thread. Results and typed failures complete the futures {@link #submit}
 * returns; nothing here knows about HTTP.
 */
public final class DynamicBatcher implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(DynamicBatcher.class.getName());

    private final String label;
    private final ModelConfig config;
    private final boolean batched;
    private final BatchRunner runner;
    private final Ticker ticker;
    private final DeadlineScheduler deadlines;
    private final BatchObserver observer;
    private final LatencyEstimate latency = new LatencyEstimate();
    private final BatchQueue queue;
    private final List<Thread> threads = new ArrayList<>();
    private final CountDownLatch stopped;

    /**
     * @param label the model (and version) for thread names and logs
     * @param batched true if the model has a dynamic batch dimension and batching is configured
     */
    public DynamicBatcher(
            String label,
            ModelConfig config,
            boolean batched,
            BatchRunner runner,
            Ticker ticker,
            DeadlineScheduler deadlines,
            BatchObserver observer) {
        this.label = label;
        this.config = batched ? config : config.withMaxBatchSize(0);
        this.batched = batched;
        this.runner = runner;
        this.ticker = ticker;
        this.deadlines = deadlines;
        this.observer = observer;
        this.queue = new BatchQueue(this.config, latency);
        this.stopped = new CountDownLatch(config.instances());
    }

    /** Starts the runner threads; until then requests queue up but nothing runs. */
    public DynamicBatcher start() {
        for (int i = 0; i < config.instances(); i++) {
            Thread t = new Thread(this::runLoop, "ember-runner-" + label + "-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        return this;
    }

    /**
     * Queues a request. The future fails with OVERLOADED at once if its class's queue is full,
     * with DEADLINE_EXCEEDED if {@code timeout} passes before its batch starts, with UNAVAILABLE
     * after {@link #shutdown}.
     *
     * @param inputs every model input, in the model's input order
     * @param outputs outputs wanted; empty means all
     * @param rows rows along dimension 0 (1 for an unbatched model)
     */
    public CompletableFuture<BatchResult> submit(
            Map<String, Tensor> inputs, Set<String> outputs, long rows, PriorityClass priority, Duration timeout) {
        if (batched && rows > config.maxBatchSize()) {
            return CompletableFuture.failedFuture(InferenceException.badInput("request has " + rows
                    + " rows but the model takes at most max_batch_size=" + config.maxBatchSize()
                    + " per batch; split it"));
        }
        long now = ticker.nanos();
        PendingRequest r = new PendingRequest(inputs, outputs, rows, priority, now, now + timeout.toNanos());
        try {
            queue.offer(r);
        } catch (InferenceException e) {
            return CompletableFuture.failedFuture(e);
        }
        r.armTimer(deadlines.schedule(() -> expire(r), timeout.toNanos()));
        return r.result;
    }

    public int queueDepth(PriorityClass priority) {
        return queue.depth(priority);
    }

    public int queueDepth() {
        return queue.depth();
    }

    /** Recent batch run time (an estimate; one second before the first batch). */
    public Duration recentBatchLatency() {
        return Duration.ofNanos(latency.batchNanos());
    }

    /** Stops admission; requests already queued still run. Returns at once. */
    public void shutdown() {
        queue.close();
    }

    /** Waits until every queued request has completed and the runners have stopped. */
    public boolean awaitDrained(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void close() {
        shutdown();
        try {
            if (!awaitDrained(Duration.ofSeconds(30))) {
                LOG.log(System.Logger.Level.WARNING, "{0}: runners still busy after 30 s; interrupting", label);
                threads.forEach(Thread::interrupt);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void runLoop() {
        StagingArena arena = new StagingArena();
        List<PendingRequest> expired = new ArrayList<>();
        try {
            while (true) {
                List<PendingRequest> batch;
                try {
                    batch = queue.take(ticker, expired);
                } catch (InterruptedException e) {
                    return;
                }
                for (PendingRequest r : expired) {
                    fail(r, deadlineExceeded(r));
                }
                expired.clear();
                if (batch == null) {
                    return;
                }
                if (!batch.isEmpty()) {
                    execute(batch, arena);
                }
            }
        } finally {
            stopped.countDown();
        }
    }

    /** Runs one batch step by step; exposed to tests through {@link #runOnce}. */
    private void execute(List<PendingRequest> batch, StagingArena arena) {
        long start = ticker.nanos();
        long rows = 0;
        Set<String> outputs = new HashSet<>();
        boolean all = false;
        for (PendingRequest r : batch) {
            r.disarmTimer();
            rows += r.rows;
            all |= r.outputs.isEmpty();
            outputs.addAll(r.outputs);
            observer.queued(r.priority, start - r.enqueuedNanos);
        }
        try {
            Map<String, Tensor> inputs = BatchAssembler.stack(batch, arena, batched);
            Map<String, Tensor> results = runner.run(inputs, all ? Set.of() : outputs);
            long computeNanos = ticker.nanos() - start;
            latency.record(computeNanos);
            observer.batchRan(batch.size(), rows, computeNanos);
            List<Map<String, Tensor>> shares = BatchAssembler.split(results, batch, batched);
            for (int i = 0; i < batch.size(); i++) {
                PendingRequest r = batch.get(i);
                r.result.complete(new BatchResult(shares.get(i), start - r.enqueuedNanos, computeNanos, rows));
            }
        } catch (InferenceException e) {
            batch.forEach(r -> fail(r, e));
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.ERROR, label + ": batch of " + batch.size() + " failed", e);
            InferenceException failure =
                    new InferenceException(InferenceException.Reason.MODEL_ERROR, "model failed: " + e, null, e);
            batch.forEach(r -> fail(r, failure));
        }
    }

    /** Test hook: forms and runs at most one batch at the ticker's current time, on the caller's thread. */
    boolean runOnce() {
        List<PendingRequest> expired = new ArrayList<>();
        BatchQueue.Poll p = queue.poll(ticker.nanos(), expired);
        expired.forEach(r -> fail(r, deadlineExceeded(r)));
        if (p instanceof BatchQueue.Dispatch d) {
            execute(d.batch(), new StagingArena());
            return true;
        }
        return false;
    }

    private void expire(PendingRequest r) {
        if (queue.remove(r)) {
            fail(r, deadlineExceeded(r));
        }
    }

    private InferenceException deadlineExceeded(PendingRequest r) {
        long waitedMs = TimeUnit.NANOSECONDS.toMillis(r.deadlineNanos - r.enqueuedNanos);
        return InferenceException.deadlineExceeded(
                "deadline of " + waitedMs + " ms passed while the request waited in the " + r.priority.wireName()
                        + " queue of " + label + " (" + queue.depth() + " requests still queued)");
    }

    private static void fail(PendingRequest r, InferenceException e) {
        r.disarmTimer();
        r.result.completeExceptionally(e);
    }
}
