package dev.ember.pool.worker.batching;

import dev.ember.pool.api.DataType;
import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.PriorityClass;
import dev.ember.pool.api.Tensor;
import dev.ember.pool.api.config.ModelConfig;
import dev.ember.warmup.plan.WarmupPlan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Batches a model's requests and runs them on {@code instances} runner threads that share one
 * {@link BatchRunner}. The batcher owns its runner threads, its {@link BatchQueue} and one {@link
 * StagingArena} per thread. Results and typed failures complete the futures {@link #submit}
 * returns; nothing here knows about HTTP. One request whose values ONNX Runtime cannot run never
 * fails the others of its batch (see {@link #run}).
 */
public final class DynamicBatcher implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(DynamicBatcher.class.getName());
    /** Longest failure message a client is shown. */
    private static final int MAX_DETAIL = 400;

    /** How {@code ModelSession} words a failure ONNX Runtime does not blame on the input. */
    private static final Pattern FAILED = Pattern.compile("^(model '[^']*') failed: ");

    private final String label;
    private final ModelConfig config;
    private final boolean batched;
    private final BatchRunner runner;
    private final List<Integer> padSizes;
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
        this(label, config, batched, runner, ticker, deadlines, observer, List.of());
    }

    /**
     * @param padSizes the batch sizes a batch is padded up to (the smallest that holds it), when the
     *     model's config says {@code pad_batches}; empty: batches run at their own size
     */
    public DynamicBatcher(
            String label,
            ModelConfig config,
            boolean batched,
            BatchRunner runner,
            Ticker ticker,
            DeadlineScheduler deadlines,
            BatchObserver observer,
            List<Integer> padSizes) {
        this.label = label;
        this.padSizes = List.copyOf(padSizes);
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
        return start(Map.of(), 0);
    }

    /**
     * Starts the runner threads, each of which first runs {@code rehearsal} ({@code rows} rows; none
     * if empty) once through the path a request takes — staged in the thread's own arena, run,
     * split — and returns when all have. Warmup runs the model's shapes, but on threads of its own
     * and straight on the session: without this, the first request on each runner would still grow
     * its staging buffer, run cold code and use its thread's device state for the first time (on
     * the H200, a first request's staging took 3.1-5.3 ms against 0.7 steady). A rehearsal is not a
     * batch: no meter or trace sees it, and one that fails is logged, not fatal (warmup already
     * checked the model runs).
     */
    public DynamicBatcher start(Map<String, Tensor> rehearsal, long rows) {
        CountDownLatch rehearsed = new CountDownLatch(config.instances());
        for (int i = 0; i < config.instances(); i++) {
            Thread t = new Thread(() -> runLoop(rehearsal, rows, rehearsed), "ember-runner-" + label + "-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        try {
            if (!rehearsed.await(60, TimeUnit.SECONDS)) {
                LOG.log(System.Logger.Level.WARNING, "{0}: runners still rehearsing after 60 s; serving", label);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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

    private void runLoop(Map<String, Tensor> rehearsal, long rows, CountDownLatch rehearsed) {
        StagingArena arena = new StagingArena();
        List<PendingRequest> expired = new ArrayList<>();
        try {
            rehearse(rehearsal, rows, arena);
        } finally {
            rehearsed.countDown();
        }
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

    private void rehearse(Map<String, Tensor> inputs, long rows, StagingArena arena) {
        if (inputs.isEmpty()) {
            return;
        }
        long now = ticker.nanos();
        List<PendingRequest> one =
                List.of(new PendingRequest(inputs, Set.of(), rows, PriorityClass.BATCH, now, Long.MAX_VALUE));
        try {
            long padded = paddedRows(one, rows);
            BatchAssembler.split(
                    runner.run(BatchAssembler.stack(one, arena, batched, padded), Set.of()), one, batched, padded);
        } catch (RuntimeException e) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "{0}: a runner''s rehearsal failed ({1}); serving",
                    label,
                    e.toString());
        }
    }

    /** Runs one batch step by step; exposed to tests through {@link #runOnce}. */
    private void execute(List<PendingRequest> batch, StagingArena arena) {
        long dequeued = ticker.nanos();
        for (PendingRequest r : batch) {
            r.disarmTimer();
            observer.queued(r.priority, dequeued - r.enqueuedNanos);
        }
        run(batch, arena, dequeued, false);
    }

    /**
     * Runs {@code batch} and answers each of its requests. When ONNX Runtime fails a batch of
     * several, one request's values may be at fault (an id outside an embedding table, say), not
     * everyone's: the batch is halved and each half run again, down to single requests, so only a
     * request that fails alone gets the failure, as a 400, and every other gets its answer. A device
     * failure is not retried here: the device, not an input, failed.
     *
     * @param isolated true when this is part of a batch that failed
     */
    private void run(List<PendingRequest> batch, StagingArena arena, long dequeued, boolean isolated) {
        long start = ticker.nanos();
        long rows = 0;
        Set<String> outputs = new HashSet<>();
        boolean all = false;
        for (PendingRequest r : batch) {
            rows += r.rows;
            all |= r.outputs.isEmpty();
            outputs.addAll(r.outputs);
        }
        long padded = paddedRows(batch, rows);
        Map<String, Tensor> results;
        long staged;
        try {
            Map<String, Tensor> inputs = BatchAssembler.stack(batch, arena, batched, padded);
            staged = ticker.nanos();
            results = runner.run(inputs, all ? Set.of() : outputs);
        } catch (InferenceException e) {
            if (!inputMayBeAtFault(e)) {
                batch.forEach(r -> fail(r, e));
            } else if (batch.size() > 1) {
                observer.batchIsolated(batch.size());
                int half = batch.size() / 2;
                run(List.copyOf(batch.subList(0, half)), arena, dequeued, true);
                run(List.copyOf(batch.subList(half, batch.size())), arena, dequeued, true);
            } else if (isolated || e.reason() == InferenceException.Reason.BAD_INPUT) {
                if (isolated) {
                    observer.failedAlone();
                }
                fail(batch.get(0), couldNotRun(e));
            } else {
                fail(batch.get(0), e); // alone from the start and not the input's fault as far as we know
            }
            return;
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.ERROR, label + ": batch of " + batch.size() + " failed", e);
            InferenceException failure =
                    new InferenceException(InferenceException.Reason.MODEL_ERROR, "model failed: " + e, null, e);
            batch.forEach(r -> fail(r, failure));
            return;
        }
        long ran = ticker.nanos();
        long computeNanos = ran - start;
        latency.record(computeNanos);
        observer.batchRan(batch.size(), rows, computeNanos);
        List<Map<String, Tensor>> shares;
        try {
            shares = BatchAssembler.split(results, batch, batched, padded);
        } catch (InferenceException e) {
            batch.forEach(r -> fail(r, e));
            return;
        }
        observer.batchTimed(
                new BatchTiming(batch.size(), rows, padded, staged - start, ran - staged, ticker.nanos() - ran));
        for (int i = 0; i < batch.size(); i++) {
            PendingRequest r = batch.get(i);
            r.result.complete(new BatchResult(shares.get(i), dequeued - r.enqueuedNanos, computeNanos, rows));
        }
    }

    /** The rows the model runs: the batch's own, or padded up to a warmed size (never for BYTES inputs). */
    private long paddedRows(List<PendingRequest> batch, long rows) {
        if (!batched || padSizes.isEmpty() || rows > Integer.MAX_VALUE) {
            return rows;
        }
        for (Tensor t : batch.get(0).inputs.values()) {
            if (t.datatype() == DataType.BYTES) {
                return rows;
            }
        }
        return WarmupPlan.paddedRows((int) rows, padSizes, true);
    }

    /** ONNX Runtime refused or failed the run: something in the inputs may be why. */
    private static boolean inputMayBeAtFault(InferenceException e) {
        return e.reason() == InferenceException.Reason.BAD_INPUT || e.reason() == InferenceException.Reason.MODEL_ERROR;
    }

    /**
     * The 400 of a request the model cannot run: the runner's message (ONNX Runtime's words), first
     * line, trimmed; never a stack trace.
     */
    static InferenceException couldNotRun(InferenceException e) {
        String detail = e.getMessage() == null
                ? "model could not run on this input"
                : e.getMessage().strip();
        // A model failure that follows the request alone is this input's: say so in ModelSession's words.
        detail = FAILED.matcher(detail).replaceFirst("$1 could not run on this input: ");
        int newline = detail.indexOf('\n');
        if (newline >= 0) {
            detail = detail.substring(0, newline).strip();
        }
        if (detail.length() > MAX_DETAIL) {
            detail = detail.substring(0, MAX_DETAIL) + "...";
        }
        return InferenceException.badInput(detail);
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
