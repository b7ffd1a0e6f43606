package dev.ember.pool.controller;

import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.InferenceException.Reason;
import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.InferenceResponse;
import dev.ember.pool.api.ModelMetadata;
import dev.ember.pool.api.PriorityClass;
import dev.ember.pool.api.Protocol;
import dev.ember.pool.api.config.ModelConfig;
import dev.ember.pool.api.http.HttpPoolClient;
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
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * One model's workers: routing, buffering at zero, retries, supervision and scaling.
 *
 * <ul>
 *   <li>A request goes to the ready worker holding the fewest requests.
 *   <li>A worker holds at most {@code slots} requests (enough to keep every runner on a full batch
 *       with the next one queued): beyond, requests wait in the controller's {@link WaitingRoom},
 *       by priority, rather than in a connection pool's first-come queue where a vip request
 *       would wait behind every realtime one. The worker's own queues then stay short.
 *   <li>With no ready worker a request waits in the same room (Knative's activator), which asks
 *       for a worker at once; it fails with 503 and Retry-After if none is ready within the
 *       buffer timeout.
 *   <li>A request the room cannot take (its class is at its cap, or more is ahead of it than its
 *       deadline leaves time for), or whose deadline passes while it waits for a busy pool, is
 *       shed: 429 with a Retry-After from the rate the workers answer at. Nothing waits forever,
 *       and a request forwarded after waiting carries what is left of its deadline.
 *   <li>A worker that dies, or answers "unavailable" (it is shutting down), did not answer: the
 *       request is sent again to another worker (or buffered), up to twice.
 *   <li>A worker that exits unasked is dropped, counted, and replaced by the next decision.
 *   <li>Every second the time-weighted concurrency is sampled — requests on a worker, or waiting
 *       while every ready worker is full; not the wait for a cold start, which is the start's and
 *       not load (counted, 5 requests behind a 2 s cold start at 2 req/s asked for 4 workers) —
 *       and every tick the {@link
 *       ScalingPolicy} decides the worker count, and workers are launched or drained to it. A
 *       drained worker finishes what it holds before it is stopped.
 * </ul>
 */
final class ModelPool implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ModelPool.class.getName());
    private static final int MAX_ATTEMPTS = 3;

    /** A request on its way: what it asks, whom to answer, which attempt, by when. */
    private static final class Call {
        final String version;
        final InferenceRequest request;
        final CompletableFuture<InferenceResponse> result;
        final PriorityClass priority;
        final long deadlineNanos;
        final int attempt;
        /** Whether it counts in the concurrency yet (shared by its retries). */
        final AtomicBoolean metered;

        volatile ScheduledFuture<?> timeout;

        Call(
                String version,
                InferenceRequest request,
                CompletableFuture<InferenceResponse> result,
                PriorityClass priority,
                long deadlineNanos,
                int attempt,
                AtomicBoolean metered) {
            this.version = version;
            this.metered = metered;
            this.request = request;
            this.result = result;
            this.priority = priority;
            this.deadlineNanos = deadlineNanos;
            this.attempt = attempt;
        }

        Call retry() {
            return new Call(version, request, result, priority, deadlineNanos, attempt + 1, metered);
        }

        /** From now on it counts as load: it is on a worker, or waits for a busy (not a cold) pool. */
        void countIn(ConcurrencyMeter meter) {
            if (metered.compareAndSet(false, true)) {
                meter.enter();
            }
        }
    }

    private final String model;
    private final ScalingPolicy policy;
    private final RateHistory history;
    private final WorkerLauncher launcher;
    private final LongSupplier servingVersion;
    private final ScheduledExecutorService timer;
    private final Clock clock;
    private final Duration bufferTimeout;
    private final ModelConfig config;
    private final int slots;
    private final PoolMetrics.ModelMeters meters;
    private final ConcurrencyMeter meter = new ConcurrencyMeter(System::nanoTime);
    private final CopyOnWriteArrayList<WorkerHandle> workers = new CopyOnWriteArrayList<>();
    private final AtomicInteger launching = new AtomicInteger();
    private final WaitingRoom<Call> room;
    private final AtomicLong answered = new AtomicLong();
    private volatile boolean waitedThisSecond;
    /** Answers per second while requests waited (the pool's measured capacity); 0 until measured. */
    private volatile double answersPerSecond;

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
            ModelConfig config,
            PoolMetrics.ModelMeters meters) {
        this.model = model;
        this.policy = policy;
        this.history = history;
        this.launcher = launcher;
        this.servingVersion = servingVersion;
        this.timer = timer;
        this.clock = clock;
        this.bufferTimeout = bufferTimeout;
        this.config = config;
        this.slots = slotsPerWorker(config);
        Map<PriorityClass, Integer> caps = new EnumMap<>(PriorityClass.class);
        config.priorities().forEach((c, p) -> caps.put(c, p.queueCap()));
        this.room = new WaitingRoom<>(caps, maxBuffered);
        this.meters = meters;
        meters.bind(this::readyCount, () -> count(WorkerHandle.State.DRAINING), launching::get, this::buffered);
    }

    String model() {
        return model;
    }

    CompletableFuture<InferenceResponse> infer(String version, InferenceRequest request) {
        arrivals.incrementAndGet();
        long start = System.nanoTime();
        CompletableFuture<InferenceResponse> result = new CompletableFuture<>();
        AtomicBoolean metered = new AtomicBoolean();
        try {
            PriorityClass priority = request.parameters()
                    .string(Protocol.PRIORITY)
                    .map(PriorityClass::fromWire)
                    .orElse(config.defaultPriority());
            Duration timeout = request.parameters()
                    .integer(Protocol.TIMEOUT_MS)
                    .filter(ms -> ms > 0)
                    .map(Duration::ofMillis)
                    .orElse(config.priority(priority).timeout());
            dispatch(new Call(version, request, result, priority, start + timeout.toNanos(), 1, metered));
        } catch (InferenceException e) { // an unknown priority: the worker would say the same
            result.completeExceptionally(e);
        }
        return result.whenComplete((r, e) -> {
            if (metered.get()) {
                meter.exit();
            }
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

    /** Requests (and metadata lookups) waiting for a worker. */
    synchronized int buffered() {
        return room.size() + readyWaiters.size();
    }

    /**
     * Requests one worker may hold: every runner on a full batch and as many again queued behind
     * them, so a runner never waits for the network — and no more, so that what waits beyond does
     * so here, by priority (at most the client's connections: one request per connection).
     */
    static int slotsPerWorker(ModelConfig config) {
        return Math.min(
                HttpPoolClient.Options.DEFAULTS.maxConnections(),
                2 * config.instances() * Math.max(1, config.maxBatchSize()));
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
        long n = answered.getAndSet(0);
        boolean busy = waitedThisSecond;
        waitedThisSecond = buffered() > 0 && readyCount() > 0;
        if (busy && n > 0) { // only a busy second measures capacity: an idle one measures demand
            double rate = answersPerSecond;
            answersPerSecond = rate == 0 ? n : 0.5 * rate + 0.5 * n;
        }
    }

    /** Decides the worker count now and moves toward it. */
    ScaleDecision tick(Instant now) {
        java.util.OptionalDouble forecast;
        java.util.OptionalDouble forecastNow;
        synchronized (history) { // the tick timer and decideNow may both tick
            history.observe(now, arrivals.getAndSet(0));
            forecast = history.forecast(now);
            forecastNow = history.forecastBetween(now, now, now);
        }
        List<ConcurrencySample> window;
        synchronized (samples) {
            window = List.copyOf(samples);
        }
        int ready = readyCount();
        MetricsSnapshot snapshot = MetricsSnapshot.of(window, ready).withBufferedAtZero(ready == 0 ? buffered() : 0);
        if (forecast.isPresent() && config.scaling().forecast()) {
            snapshot = snapshot.withForecast(new LoadForecast(
                    forecast.getAsDouble(),
                    Duration.ofNanos((long) meanLatencyNanos),
                    forecastNow.orElse(forecast.getAsDouble())));
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
        } else if (decision.desiredWorkers() < ready && coming == 0 && buffered() == 0) {
            // never while requests wait: a worker started for them serves them before it can go
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

    /**
     * Sends {@code call} to the ready worker holding the fewest requests if one has a free slot and
     * nothing waits ahead of it; otherwise it waits in the room (or is shed).
     */
    private void dispatch(Call call) {
        WorkerHandle w;
        synchronized (this) {
            w = room.size() == 0 ? pickFree() : null;
            if (w != null) {
                w.outstanding.incrementAndGet();
            }
        }
        if (w != null) {
            send(w, call, false);
        } else {
            enter(call);
        }
    }

    private void send(WorkerHandle w, Call call, boolean waited) {
        call.countIn(meter);
        InferenceRequest request = call.request;
        if (waited) { // the worker counts a deadline from arrival: give it what is left of ours
            long leftMs = Math.max(1, (call.deadlineNanos - System.nanoTime()) / 1_000_000);
            request = request.withParameters(request.parameters().with(Protocol.TIMEOUT_MS, leftMs));
        }
        w.client.infer(model, call.version, request).whenComplete((r, e) -> {
            w.outstanding.decrementAndGet();
            answered.incrementAndGet();
            if (e == null) {
                call.result.complete(r);
            } else if (didNotAnswer(e) && call.attempt < MAX_ATTEMPTS && !closed) {
                if (unreachable(e)) {
                    lost(w);
                }
                meters.retried();
                dispatch(call.retry());
            } else {
                call.result.completeExceptionally(e);
            }
            admitWaiting();
        });
    }

    /** Into the room, or shed; at zero workers, the activator's poke. */
    private void enter(Call call) {
        long now = System.nanoTime();
        boolean cold = readyCount() == 0;
        Optional<WaitingRoom.Refusal> refused;
        WaitingRoom.Entry<Call> entry = new WaitingRoom.Entry<>(call.priority, now, call.deadlineNanos, call);
        synchronized (this) {
            refused = room.offer(entry, now, cold ? 0 : answersPerSecond, inService());
            if (refused.isEmpty() && !cold) {
                waitedThisSecond = true;
                call.countIn(meter);
            }
        }
        if (refused.isPresent()) {
            meters.shed(call.priority);
            call.result.completeExceptionally(InferenceException.overloaded(
                    "model '" + model + "' is busy: " + refused.get().reason() + "; retry in "
                            + refused.get().retryAfter().toSeconds() + " s",
                    refused.get().retryAfter()));
            return;
        }
        long expiresIn = Math.min(call.deadlineNanos - now, cold ? bufferTimeout.toNanos() : Long.MAX_VALUE);
        call.timeout = timer.schedule(() -> expire(entry), Math.max(0, expiresIn), TimeUnit.NANOSECONDS);
        if (cold) {
            if (call.attempt == 1) { // a retry already counted (or found a worker) the first time
                meters.waitedForColdStart();
            }
            timer.execute(() -> tick(clock.instant())); // the activator's poke: scale from zero now
        }
        admitWaiting(); // a slot may have freed while it entered
    }

    /** Its time in the room is up: 503 if no worker came up for it, 429 if the busy pool had no room. */
    private void expire(WaitingRoom.Entry<Call> entry) {
        Call call = entry.item();
        long now = System.nanoTime();
        boolean ready = readyCount() > 0;
        if (ready && now < call.deadlineNanos) { // the buffer timeout ran out, but a worker is up now
            call.timeout = timer.schedule(() -> expire(entry), call.deadlineNanos - now, TimeUnit.NANOSECONDS);
            return;
        }
        boolean removed;
        int ahead;
        synchronized (this) {
            removed = room.remove(entry);
            ahead = room.ahead(call.priority) + inService();
        }
        if (!removed) {
            return;
        }
        long waitedMs = (now - entry.arrivedNanos()) / 1_000_000;
        if (!ready) {
            call.result.completeExceptionally(new InferenceException(
                    Reason.UNAVAILABLE,
                    "no worker of model '" + model + "' became ready within " + waitedMs + " ms",
                    Duration.ofSeconds(1),
                    null));
            return;
        }
        meters.shed(call.priority);
        Duration retryAfter = WaitingRoom.retryAfter(ahead, answersPerSecond);
        call.result.completeExceptionally(InferenceException.overloaded(
                "model '" + model + "' is busy: the request waited " + waitedMs
                        + " ms for a free worker, its whole deadline; retry in " + retryAfter.toSeconds() + " s",
                retryAfter));
    }

    /** Moves waiting requests to free worker slots, highest class first. */
    private void admitWaiting() {
        while (true) {
            WorkerHandle w;
            WaitingRoom.Entry<Call> next;
            synchronized (this) {
                if (room.size() == 0 || (w = pickFree()) == null) {
                    return;
                }
                next = room.poll().orElseThrow();
                w.outstanding.incrementAndGet();
            }
            Call call = next.item();
            ScheduledFuture<?> timeout = call.timeout;
            if (timeout != null) {
                timeout.cancel(false);
            }
            send(w, call, true);
        }
    }

    private int inService() {
        int n = 0;
        for (WorkerHandle w : workers) {
            if (w.ready()) {
                n += w.outstanding.get();
            }
        }
        return n;
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

    /** A worker became ready: waiting requests go to it, metadata lookups too. */
    private void flushBuffer() {
        admitWaiting();
        List<CompletableFuture<WorkerHandle>> waiters;
        synchronized (this) {
            waiters = new ArrayList<>(readyWaiters);
            readyWaiters.clear();
        }
        WorkerHandle any = pick();
        waiters.forEach(f -> {
            if (any != null) {
                f.complete(any);
            }
        });
    }

    /**
     * A worker for a metadata lookup at zero. It waits like a request (counted in the buffer, so
     * the policy sees it, wakes the pool and keeps the worker it starts for it) and pokes the policy
     * rather than launching past it.
     */
    private CompletableFuture<WorkerHandle> awaitWorker() {
        CompletableFuture<WorkerHandle> f = new CompletableFuture<>();
        synchronized (this) {
            readyWaiters.add(f);
        }
        timer.schedule(
                () -> {
                    synchronized (this) {
                        readyWaiters.remove(f);
                    }
                    f.completeExceptionally(new InferenceException(
                            Reason.UNAVAILABLE,
                            "no worker of model '" + model + "' became ready within " + bufferTimeout.toSeconds()
                                    + " s",
                            Duration.ofSeconds(1),
                            null));
                },
                bufferTimeout.toMillis(),
                TimeUnit.MILLISECONDS);
        WorkerHandle now = pick(); // one may have become ready meanwhile
        if (now != null) {
            synchronized (this) {
                readyWaiters.remove(f);
            }
            f.complete(now);
        } else {
            timer.execute(() -> tick(clock.instant()));
        }
        return f;
    }

    /** The ready worker holding the fewest requests, if it has a free slot. */
    private WorkerHandle pickFree() {
        WorkerHandle w = pick();
        return w != null && w.outstanding.get() < slots ? w : null;
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
        List<WaitingRoom.Entry<Call>> waiting;
        synchronized (this) {
            waiting = room.clear();
        }
        waiting.forEach(w ->
                w.item().result.completeExceptionally(InferenceException.unavailable("the pool is shutting down")));
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
