package dev.ember.load.run;

import dev.ember.load.profile.LoadProfile.Bounds;
import dev.ember.load.profile.LoadProfile.RequestClass;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Sends a {@link Schedule} open-loop: each request leaves at its due time whether or not earlier
 * ones have answered, and its latency counts from that due time. A server that stalls therefore
 * shows every request it made wait, not only the one it was busy with (a closed-loop client would
 * have stopped sending and recorded one slow request: coordinated omission). Arrivals past the
 * in-flight bound are counted {@link Outcome#NOT_SENT} rather than queued in the generator, and the
 * run ends by itself: after the last arrival, it waits for what is open at most the request timeout
 * plus the drain time, and never before the schedule's planned end (a trailing silence is part of the
 * run).
 */
public final class OpenLoopRunner implements AutoCloseable {
    private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    private final HttpClient http;
    // Requests are issued on the client's own event loop: issued from other threads, Vert.x 4.5
    // now and then lost a response (see HttpPoolClient).
    private final Context context;
    private final Bounds bounds;
    /** Jobs accepted through the async door, waited for until their results are read. */
    private final JobWatcher jobs;

    private static final int JOB_READS = 16;
    private static final long JOB_READ_GAP_NANOS = 50_000_000;

    public OpenLoopRunner(URI target, Bounds bounds) {
        this.bounds = bounds;
        this.http = vertx.createHttpClient(
                new HttpClientOptions()
                        .setDefaultHost(target.getHost())
                        .setDefaultPort(target.getPort())
                        .setKeepAlive(true)
                        .setTcpNoDelay(true),
                new PoolOptions().setHttp1MaxSize(bounds.maxInFlight()).setMaxWaitQueueSize(-1));
        this.context = vertx.getOrCreateContext();
        this.jobs = new JobWatcher(vertx, http, context, JOB_READS, JOB_READ_GAP_NANOS, bounds.requestTimeoutMs());
    }

    /** A view of the run while it goes, for a progress bar. */
    public record Progress(int due, int sent, int finished, int inFlight, Recording recording) {}

    /**
     * Runs {@code schedule} with request classes {@code mix}; {@code salt} makes this run's inputs
     * differ from any other run's. {@code progress} is called from the sending thread now and then.
     */
    public Recording run(Schedule schedule, List<RequestClass> mix, long salt, Consumer<Progress> progress) {
        RequestBodies[] bodies =
                mix.stream().map(c -> new RequestBodies(c, salt)).toArray(RequestBodies[]::new);
        Recording recording = new Recording(schedule.size());
        AtomicInteger inFlight = new AtomicInteger();
        long start = System.nanoTime();
        long lastProgress = start;
        int sent = 0;
        for (int i = 0; i < schedule.size(); i++) {
            long due = schedule.dueNanos(i);
            long wait;
            while ((wait = start + due - System.nanoTime()) > 0) {
                LockSupport.parkNanos(Math.min(wait, 50_000_000));
            }
            long now = System.nanoTime();
            if (inFlight.get() >= bounds.maxInFlight()) {
                recording.record(i, Outcome.NOT_SENT, due, now - start, now - start);
            } else {
                inFlight.incrementAndGet();
                sent++;
                send(i, bodies[schedule.requestClass(i)], schedule.key(i), due, start, recording, inFlight);
            }
            if (now - lastProgress > 200_000_000L) {
                progress.accept(new Progress(i + 1, sent, recording.finished(), inFlight.get(), recording));
                lastProgress = now;
            }
        }
        // A schedule that ends in silence (a night) runs to its planned end, so what the pool does
        // then (scaling to zero, its worker-seconds) is measured, not cut off with the last answer.
        long plannedEnd = start + schedule.endNanos();
        long until = Math.max(
                plannedEnd,
                System.nanoTime()
                        + Duration.ofMillis(bounds.requestTimeoutMs()).toNanos()
                        + (long) (bounds.drainSeconds() * 1e9));
        while ((recording.finished() < schedule.size() || System.nanoTime() < plannedEnd)
                && System.nanoTime() < until) {
            progress.accept(new Progress(schedule.size(), sent, recording.finished(), inFlight.get(), recording));
            LockSupport.parkNanos(100_000_000);
        }
        progress.accept(new Progress(schedule.size(), sent, recording.finished(), inFlight.get(), recording));
        return recording;
    }

    private void send(
            int i, RequestBodies bodies, long key, long due, long start, Recording recording, AtomicInteger inFlight) {
        RequestBodies.Encoded body = bodies.body(key);
        RequestOptions options = bodies.options(body, bounds.requestTimeoutMs());
        long sentAt = System.nanoTime() - start;
        context.runOnContext(v -> http.request(options)
                .compose(r -> r.send(body.bytes()))
                .compose(response -> response.body().map(b -> {
                    String job = bodies.async() && response.statusCode() == 202 ? response.getHeader("Location") : null;
                    return new Answer(
                            Outcome.of(response.statusCode(), response.getHeader("Retry-After") != null), job);
                }))
                .onComplete(ar -> {
                    inFlight.decrementAndGet();
                    if (ar.succeeded() && ar.result().job() != null) {
                        // Accepted: the request ends when its result is read (in-flight counts open requests, not
                        // jobs).
                        long deadline = start
                                + due
                                + Duration.ofMillis(bounds.requestTimeoutMs()).toNanos();
                        jobs.watch(
                                ar.result().job(),
                                deadline,
                                o -> recording.record(i, o, due, sentAt, System.nanoTime() - start));
                        return;
                    }
                    Outcome o = ar.succeeded() ? ar.result().outcome() : failure(ar.cause());
                    recording.record(i, o, due, sentAt, System.nanoTime() - start);
                }));
    }

    /** A response: its outcome, and for an accepted job the {@code Location} its result is read at. */
    private record Answer(Outcome outcome, String job) {}

    /** Sends one request of {@code requestClass} (a key no scheduled request uses) and returns its status. */
    public int once(RequestClass requestClass, long salt) {
        RequestBodies bodies = new RequestBodies(requestClass, salt);
        RequestBodies.Encoded body = bodies.body((1L << 41) + 1);
        java.util.concurrent.CompletableFuture<Integer> status = new java.util.concurrent.CompletableFuture<>();
        context.runOnContext(v -> http.request(bodies.options(body, bounds.requestTimeoutMs()))
                .compose(r -> r.send(body.bytes()))
                .compose(response -> response.body().map(b -> response.statusCode()))
                .onComplete(ar -> {
                    if (ar.succeeded()) {
                        status.complete(ar.result());
                    } else {
                        status.completeExceptionally(ar.cause());
                    }
                }));
        return status.join();
    }

    /**
     * What one class sustains: {@code concurrency} closed-loop callers for {@code seconds}, keys
     * from a range no scheduled request uses. Returns answered 2xx per second.
     */
    public double capacity(RequestClass requestClass, long salt, int concurrency, double seconds) {
        RequestBodies bodies = new RequestBodies(requestClass, salt);
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger open = new AtomicInteger();
        java.util.concurrent.atomic.AtomicLong keys = new java.util.concurrent.atomic.AtomicLong(1L << 40);
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        for (int c = 0; c < concurrency; c++) {
            open.incrementAndGet();
            callUntil(bodies, keys, end, ok, open);
        }
        long drainUntil = end + Duration.ofMillis(bounds.requestTimeoutMs()).toNanos();
        while (open.get() > 0 && System.nanoTime() < drainUntil) {
            LockSupport.parkNanos(20_000_000);
        }
        return ok.get() / ((System.nanoTime() - start) / 1e9);
    }

    private void callUntil(
            RequestBodies bodies,
            java.util.concurrent.atomic.AtomicLong keys,
            long end,
            AtomicInteger ok,
            AtomicInteger open) {
        if (System.nanoTime() >= end) {
            open.decrementAndGet();
            return;
        }
        RequestBodies.Encoded body = bodies.body(keys.incrementAndGet());
        RequestOptions options = bodies.options(body, bounds.requestTimeoutMs());
        context.runOnContext(v -> http.request(options)
                .compose(r -> r.send(body.bytes()))
                .compose(response -> response.body().map(b -> response.statusCode()))
                .onComplete(ar -> {
                    if (ar.succeeded() && ar.result() / 100 == 2) {
                        ok.incrementAndGet();
                    }
                    callUntil(bodies, keys, end, ok, open);
                }));
    }

    private static Outcome failure(Throwable e) {
        return e instanceof TimeoutException
                        || (e.getMessage() != null && e.getMessage().contains("timeout"))
                ? Outcome.TIMEOUT
                : Outcome.CONNECTION_ERROR;
    }

    @Override
    public void close() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }
}
