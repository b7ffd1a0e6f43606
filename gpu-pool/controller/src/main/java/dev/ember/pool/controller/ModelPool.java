package dev.ember.pool.controller;

import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.InferenceException.Reason;
import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.InferenceResponse;
import dev.ember.pool.api.ModelMetadata;
import dev.ember.pool.controller.scaling.ConcurrencySample;
import dev.ember.pool.controller.scaling.LoadForecast;
import dev.ember.pool.controller.scaling.MetricsSnapshot;
import dev.ember.pool.controller.scaling.ScaleDecision;
import dev.ember.pool.controller.scaling.ScalingPolicy;
import dev.ember.warmup.prewarm.RateHistory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * One model's workers: routing, buffering at zero, retries, supervision and scaling.
 *
 * <ul>
 *   <li>A request goes to the ready worker holding the fewest requests.
 *   <li>With no ready worker it waits in a bounded buffer (Knative's activator), which asks for a
 *       worker at once; it fails with 503 and Retry-After if none is ready within the buffer
 *       timeout, or with 429 if the buffer is full. Nothing waits forever.
 *   <li>A worker that dies, or answers "unavailable" (it is shutting down), did not answer: the
 *       request is sent again to another worker (or buffered), up to twice.
 *   <li>A worker that exits unasked is dropped, counted, and replaced by the next decision.
 *   <li>Every second the time-weighted concurrency is sampled; every tick the {@link
 *       ScalingPolicy} decides the worker count, and workers are launched or drained to it. A
 *       drained worker finishes what it holds before it is stopped.
 * </ul>
 */
final class ModelPool implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ModelPool.class.getName());
    private static final int MAX_ATTEMPTS = 3;

    private record Waiting(
            String version,
            InferenceRequest request,
            CompletableFuture<InferenceResponse> result,
            int attempt,
            ScheduledFuture<?> timeout) {}

    private final String model;
    private final ScalingPolicy policy;
    private final RateHistory history;
    private final WorkerLauncher launcher;
    private final LongSupplier servingVersion;
    private final ScheduledExecutorService timer;
    private final Clock clock;
    private final Duration bufferTimeout;
    private final int maxBuffered;
    private final PoolMetrics.ModelMeters meters;
    private final ConcurrencyMeter meter = new ConcurrencyMeter(System::nanoTime);
    private final CopyOnWriteArrayList<WorkerHandle> workers = new CopyOnWriteArrayList<>();
    private final AtomicInteger launching = new AtomicInteger();
    private final Deque<Waiting> buffer = new ArrayDeque<>();
    private final Deque<ConcurrencySample> samples = new ArrayDeque<>();
    private final List<CompletableFuture<WorkerHandle>> readyWaiters = new ArrayList<>();
    private final AtomicLong arrivals = new AtomicLong();
    private volatile double meanLatencyNanos = 50_000_000;
    private volatile ModelMetadata lastMetadata;
    private volatile boolean closed;
    private volatile int lastDesired = -1;

    ModelPool(
            String model,
            ScalingPolicy policy,
            RateHistory history,
            WorkerLauncher launcher,
            LongSupplier servingVersion,
            ScheduledExecutorService timer,
            Clock clock,
            Duration bufferTimeout,
            int maxBuffered,
            PoolMetrics.ModelMeters meters) {
        this.model = model;
        this.policy = policy;
        this.history = history;
        this.launcher = launcher;
        this.servingVersion = servingVersion;
        this.timer = timer;
        this.clock = clock;
        this.bufferTimeout = bufferTimeout;
        this.maxBuffered = maxBuffered;
        this.meters = meters;
        meters.bind(this::readyCount, () -> count(WorkerHandle.State.DRAINING), launching::get, this::buffered);
    }

    String model() {
        return model;
    }

    CompletableFuture<InferenceResponse> infer(String version, InferenceRequest request) {
        arrivals.incrementAndGet();
        meter.enter();
        long start = System.nanoTime();
        CompletableFuture<InferenceResponse> result = new CompletableFuture<>();
        dispatch(version, request, result, 1);
        return result.whenComplete((r, e) -> {
            meter.exit();
            meanLatencyNanos = meanLatencyNanos * 0.9 + (System.nanoTime() - start) * 0.1;
        });
    }

    /** The model's signature, from a worker, or remembered from one while none is running. */
    CompletableFuture<ModelMetadata> metadata(String version) {
        WorkerHandle w = pick();
        if (w == null && lastMetadata != null && version == null) {
            return CompletableFuture.completedFuture(lastMetadata);
        }
        CompletableFuture<WorkerHandle> worker = w != null ? CompletableFuture.completedFuture(w) : awaitWorker();
        return worker.thenCompose(h -> h.client.metadata(model, version)).thenApply(m -> {
            if (version == null) {
                lastMetadata = m;
            }
            return m;
        });
    }

    boolean ready() {
        return pick() != null;
    }

    int readyCount() {
        return count(WorkerHandle.State.READY);
    }

    synchronized int buffered() {
        return buffer.size();
    }

    List<WorkerHandle> readyWorkers() {
        return workers.stream().filter(WorkerHandle::ready).toList();
    }

    /** Called every second: the time-weighted concurrency of the second just ended. */
    void sample(Instant now, Duration keep) {
        double c = meter.sampleAndReset();
        synchronized (samples) {
            samples.addLast(new ConcurrencySample(now, c));
            while (!samples.isEmpty() && samples.peekFirst().at().isBefore(now.minus(keep))) {
                samples.removeFirst();
            }
        }
        meters.workerSeconds(
                workers.stream().filter(w -> w.state != WorkerHandle.State.GONE).count() + launching.get());
    }

    /** Decides the worker count now and moves toward it. */
    ScaleDecision tick(Instant now) {
        java.util.OptionalDouble forecast;
        synchronized (history) { // the tick timer and decideNow may both tick
            history.observe(now, arrivals.getAndSet(0));
            forecast = history.forecast(now);
        }
        List<ConcurrencySample> window;
        synchronized (samples) {
            window = List.copyOf(samples);
        }
        int ready = readyCount();
        MetricsSnapshot snapshot = MetricsSnapshot.of(window, ready).withBufferedAtZero(ready == 0 ? buffered() : 0);
        if (forecast.isPresent()) {
            snapshot = snapshot.withForecast(
                    new LoadForecast(forecast.getAsDouble(), Duration.ofNanos((long) meanLatencyNanos)));
        }
        ScaleDecision decision = policy.decide(snapshot, now);
        meters.decided(decision);
        if (decision.isValid() && decision.desiredWorkers() != lastDesired) {
            LOG.log(
                    System.Logger.Level.INFO,
                    "{0}: {1} → {2} workers ({3}; stable {4}, panic {5} in flight)",
                    model,
                    ready,
                    decision.desiredWorkers(),
                    decision.reason(),
                    String.format(java.util.Locale.ROOT, "%.2f", decision.stableConcurrency()),
                    String.format(java.util.Locale.ROOT, "%.2f", decision.panicConcurrency()));
            lastDesired = decision.desiredWorkers();
        }
        apply(decision);
        return decision;
    }

    private void apply(ScaleDecision decision) {
        if (!decision.isValid() || closed) {
            return;
        }
        int ready = readyCount();
        int coming = launching.get();
        if (decision.desiredWorkers() > ready + coming) {
            for (int i = ready + coming; i < decision.desiredWorkers(); i++) {
                launch();
            }
        } else if (decision.desiredWorkers() < ready && coming == 0) {
            workers.stream()
                    .filter(WorkerHandle::ready)
                    .sorted(Comparator.comparingInt(w -> w.outstanding.get()))
                    .limit(ready - decision.desiredWorkers())
                    .forEach(this::drain);
        }
    }

    private void launch() {
        launching.incrementAndGet();
        launcher.launch(model, servingVersion.getAsLong()).whenComplete((w, e) -> {
            launching.decrementAndGet();
            if (e != null) {
                LOG.log(System.Logger.Level.WARNING, "could not start a worker for {0}: {1}", model, e.getMessage());
                return;
            }
            if (closed) {
                w.process.stop(Duration.ofSeconds(10));
                return;
            }
            workers.add(w);
            w.process.onExit().thenRun(() -> lost(w));
            LOG.log(System.Logger.Level.INFO, "{0} is ready", w);
            flushBuffer();
        });
    }

    /**
     * A worker that exited, or stopped taking connections, unasked: out of routing at once (a
     * killed process looks alive until the JVM reaps it), counted once, killed if it lingers, and
     * replaced by the next decision.
     */
    private void lost(WorkerHandle w) {
        if (w.state == WorkerHandle.State.GONE || !w.lost.compareAndSet(false, true)) {
            return;
        }
        w.state = WorkerHandle.State.GONE;
        workers.remove(w);
        w.client.close();
        w.process.kill();
        meters.crashed();
        LOG.log(System.Logger.Level.WARNING, "{0} was lost; it will be replaced", w);
        timer.execute(() -> tick(clock.instant()));
    }

    private void drain(WorkerHandle w) {
        w.state = WorkerHandle.State.DRAINING;
        LOG.log(System.Logger.Level.INFO, "draining {0}", w);
        CompletableFuture.runAsync(() -> {
            long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (w.outstanding.get() > 0 && System.nanoTime() < until) {
                sleep(20);
            }
            w.state = WorkerHandle.State.GONE; // before SIGTERM: its exit is expected
            w.process.stop(Duration.ofSeconds(30));
            workers.remove(w);
            w.client.close();
        });
    }

    private void dispatch(
            String version, InferenceRequest request, CompletableFuture<InferenceResponse> result, int attempt) {
        WorkerHandle w = pick();
        if (w == null) {
            buffer(version, request, result, attempt);
            return;
        }
        w.outstanding.incrementAndGet();
        w.client.infer(model, version, request).whenComplete((r, e) -> {
            w.outstanding.decrementAndGet();
            if (e == null) {
                result.complete(r);
            } else if (didNotAnswer(e) && attempt < MAX_ATTEMPTS && !closed) {
                if (unreachable(e)) {
                    lost(w);
                }
                meters.retried();
                dispatch(version, request, result, attempt + 1);
            } else {
                result.completeExceptionally(e);
            }
        });
    }

    /** An unreachable worker, or one refusing because it is stopping, did not run the request. */
    private static boolean didNotAnswer(Throwable e) {
        return InferenceException.find(e)
                .map(f -> f.reason() == Reason.UNAVAILABLE)
                .orElse(false);
    }

    /** The connection failed (a refusal over HTTP — a draining worker's 503 — carries no cause). */
    private static boolean unreachable(Throwable e) {
        return InferenceException.find(e)
                .map(f -> f.reason() == Reason.UNAVAILABLE && f.getCause() != null)
                .orElse(false);
    }

    private void buffer(
            String version, InferenceRequest request, CompletableFuture<InferenceResponse> result, int attempt) {
        synchronized (this) {
            if (buffer.size() >= maxBuffered) {
                result.completeExceptionally(InferenceException.overloaded(
                        maxBuffered + " requests are already waiting for a worker of model '" + model + "' to start",
                        Duration.ofSeconds(1)));
                return;
            }
            Waiting[] self = new Waiting[1];
            ScheduledFuture<?> timeout = timer.schedule(
                    () -> {
                        boolean removed;
                        synchronized (this) {
                            removed = buffer.remove(self[0]);
                        }
                        if (removed) {
                            result.completeExceptionally(new InferenceException(
                                    Reason.UNAVAILABLE,
                                    "no worker of model '" + model + "' became ready within "
                                            + bufferTimeout.toSeconds() + " s",
                                    Duration.ofSeconds(1),
                                    null));
                        }
                    },
                    bufferTimeout.toMillis(),
                    TimeUnit.MILLISECONDS);
            self[0] = new Waiting(version, request, result, attempt, timeout);
            buffer.addLast(self[0]);
        }
        if (attempt == 1) { // a retry already counted (or found a worker) the first time
            meters.waitedForColdStart();
        }
        timer.execute(() -> tick(clock.instant())); // the activator's poke: scale from zero now
    }

    private void flushBuffer() {
        List<Waiting> waiting;
        List<CompletableFuture<WorkerHandle>> waiters;
        synchronized (this) {
            waiting = new ArrayList<>(buffer);
            buffer.clear();
            waiters = new ArrayList<>(readyWaiters);
            readyWaiters.clear();
        }
        for (Waiting w : waiting) {
            w.timeout().cancel(false);
            dispatch(w.version(), w.request(), w.result(), w.attempt());
        }
        WorkerHandle any = pick();
        waiters.forEach(f -> {
            if (any != null) {
                f.complete(any);
            }
        });
    }

    private CompletableFuture<WorkerHandle> awaitWorker() {
        CompletableFuture<WorkerHandle> f = new CompletableFuture<>();
        synchronized (this) {
            readyWaiters.add(f);
        }
        timer.schedule(
                () -> f.completeExceptionally(new InferenceException(
                        Reason.UNAVAILABLE,
                        "no worker of model '" + model + "' became ready within " + bufferTimeout.toSeconds() + " s",
                        Duration.ofSeconds(1),
                        null)),
                bufferTimeout.toMillis(),
                TimeUnit.MILLISECONDS);
        if (readyCount() + launching.get() == 0) {
            launch();
        }
        return f;
    }

    private WorkerHandle pick() {
        WorkerHandle best = null;
        for (WorkerHandle w : workers) {
            if (w.ready() && (best == null || w.outstanding.get() < best.outstanding.get())) {
                best = w;
            }
        }
        return best;
    }

    private int count(WorkerHandle.State state) {
        int n = 0;
        for (WorkerHandle w : workers) {
            if (w.state == state && (state != WorkerHandle.State.READY || w.process.isAlive())) {
                n++;
            }
        }
        return n;
    }

    /** Runs {@code action} on every ready worker and waits for all of them. */
    <T> CompletableFuture<List<T>> onEveryWorker(
            java.util.function.Function<WorkerHandle, CompletableFuture<T>> action) {
        List<CompletableFuture<T>> calls = readyWorkers().stream().map(action).toList();
        return CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new))
                .thenApply(v -> calls.stream().map(CompletableFuture::join).toList());
    }

    @Override
    public void close() {
        closed = true;
        List<Waiting> waiting;
        synchronized (this) {
            waiting = new ArrayList<>(buffer);
            buffer.clear();
        }
        waiting.forEach(
                w -> w.result().completeExceptionally(InferenceException.unavailable("the pool is shutting down")));
        List<CompletableFuture<?>> stops = new ArrayList<>();
        for (WorkerHandle w : workers) {
            w.state = WorkerHandle.State.GONE;
            stops.add(CompletableFuture.runAsync(() -> w.process.stop(Duration.ofSeconds(30))));
        }
        stops.forEach(CompletableFuture::join);
        workers.forEach(w -> w.client.close());
        workers.clear();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
