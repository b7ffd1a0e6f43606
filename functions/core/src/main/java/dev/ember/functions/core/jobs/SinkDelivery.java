package dev.ember.functions.core.jobs;

import dev.ember.functions.core.redis.RedisLink;
import io.lettuce.core.Consumer;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAutoClaimArgs;
import io.lettuce.core.XClaimArgs;
import io.lettuce.core.XReadArgs;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Delivers completion events from the outbox stream ({@link JobKeys#events}, group {@link
 * JobKeys#SINK_GROUP}): the script that stores a job's result also appends its event there, so a
 * crash between the two cannot lose it. Each event is POSTed to its sink; a 2xx acknowledges it,
 * anything else is retried with backoff (doubling up to {@code backoffMax}, for as long as the job's
 * record lives) while other events go on: a waiting event holds no slot. Entries another process
 * held past the visibility timeout are claimed, so delivery is at least once.
 */
public final class SinkDelivery implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SinkDelivery.class.getName());
    private static final Duration BLOCK = Duration.ofSeconds(1);
    private static final int IN_FLIGHT = 64;

    private final JobStore store;
    private final JobSettings settings;
    private final JobMetrics metrics;
    private final CompletionEvents events;
    private final ScheduledExecutorService timer;
    private final String name;
    private final HttpClient http;
    private final RetryPolicy backoff;
    private final Semaphore permits = new Semaphore(IN_FLIGHT);
    private final Set<String> held = ConcurrentHashMap.newKeySet();
    private final RedisLink reader;
    private final Thread thread;
    private volatile boolean closed;

    SinkDelivery(
            JobStore store,
            JobSettings settings,
            JobMetrics metrics,
            CompletionEvents events,
            ScheduledExecutorService timer,
            String name) {
        this.store = store;
        this.settings = settings;
        this.metrics = metrics;
        this.events = events;
        this.timer = timer;
        this.name = name;
        this.http = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(2))
                .version(HttpClient.Version.HTTP_1_1)
                .build();
        this.backoff = new RetryPolicy(Integer.MAX_VALUE, settings.backoffBase(), settings.backoffMax());
        this.reader = RedisLink.open(store.link().url(), BLOCK.plusSeconds(4));
        this.thread = new Thread(this::loop, "ember-sink-" + name);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
        long every = Math.max(500, settings.visibilityTimeout().toMillis() / 4);
        timer.scheduleWithFixedDelay(this::claimAbandoned, every, every, TimeUnit.MILLISECONDS);
    }

    private void loop() {
        boolean group = false;
        while (!closed) {
            try {
                if (!group) {
                    store.createGroup(store.keys().events(), JobKeys.SINK_GROUP).get(5, TimeUnit.SECONDS);
                    group = true;
                }
                permits.acquire();
                permits.release();
                List<StreamMessage<String, byte[]>> got = reader.commands()
                        .orElseThrow(() -> new IllegalStateException("not connected yet"))
                        .xreadgroup(
                                Consumer.from(JobKeys.SINK_GROUP, name),
                                XReadArgs.Builder.count(Math.max(1, permits.availablePermits()))
                                        .block(BLOCK),
                                XReadArgs.StreamOffset.lastConsumed(store.keys().events()))
                        .get(BLOCK.toMillis() + 4000, TimeUnit.MILLISECONDS);
                for (StreamMessage<String, byte[]> m : got == null ? List.<StreamMessage<String, byte[]>>of() : got) {
                    permits.acquire();
                    held.add(m.getId());
                    deliver(m.getId(), m.getBody(), 1);
                }
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                if (closed) {
                    return;
                }
                if (String.valueOf(e.getMessage()).contains("NOGROUP")) {
                    group = false;
                }
                store.link().reportFailure(e);
                sleep(500);
            }
        }
    }

    /** One POST of one event, holding a permit; on failure, a retry is scheduled holding none. */
    private void deliver(String entryId, Map<String, byte[]> body, int attempt) {
        String jobId = JobStore.text(body.get("job"));
        String type = JobStore.text(body.get("type"));
        URI sink;
        try {
            sink = URI.create(JobStore.text(body.get("sink")));
        } catch (IllegalArgumentException e) {
            ack(entryId).whenComplete((x, f) -> finished(entryId));
            return;
        }
        CompletableFuture<Optional<JobView>> view;
        try {
            view = store.view(jobId);
        } catch (RuntimeException e) {
            view = CompletableFuture.failedFuture(e);
        }
        view.thenCompose(v -> {
                    if (v.isEmpty()) { // expired: nothing left to tell
                        LOG.log(System.Logger.Level.WARNING, "event for job {0} dropped: its record expired", jobId);
                        return ack(entryId).thenApply(x -> true);
                    }
                    byte[] data = v.get()
                            .response()
                            .orElseGet(() -> CompletionEvents.failure(
                                    jobId, v.get().error().orElse("failed")));
                    return http.sendAsync(
                                    events.request(sink, events.event(jobId, type, data)),
                                    HttpResponse.BodyHandlers.discarding())
                            .thenCompose(r -> {
                                if (r.statusCode() / 100 == 2) {
                                    metrics.deliveries.increment();
                                    return ack(entryId).thenApply(x -> true);
                                }
                                return CompletableFuture.completedFuture(false);
                            });
                })
                .exceptionally(e -> false)
                .thenAccept(delivered -> {
                    permits.release();
                    if (delivered) {
                        held.remove(entryId);
                    } else {
                        retry(entryId, body, attempt);
                    }
                });
    }

    private void retry(String entryId, Map<String, byte[]> body, int attempt) {
        if (closed) {
            held.remove(entryId);
            return;
        }
        metrics.deliveryRetries.increment();
        try {
            timer.schedule(
                    () -> {
                        if (!permits.tryAcquire()) {
                            retry(entryId, body, attempt); // busy: wait one more backoff, still holding the entry
                            return;
                        }
                        reclaim(entryId).whenComplete((mine, e) -> {
                            if (Boolean.FALSE.equals(mine)) {
                                permits.release();
                                held.remove(entryId); // acknowledged by another process meanwhile
                            } else {
                                deliver(entryId, body, attempt + 1);
                            }
                        });
                    },
                    backoff.backoff(attempt).toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            held.remove(entryId);
        }
    }

    /** Resets the entry's idle time, so no other process takes it while it waits here. */
    private CompletableFuture<Boolean> reclaim(String entryId) {
        try {
            return store.redis()
                    .xclaim(
                            store.keys().events(),
                            Consumer.from(JobKeys.SINK_GROUP, name),
                            XClaimArgs.Builder.minIdleTime(0).justid(),
                            entryId)
                    .toCompletableFuture()
                    .thenApply(c -> !c.isEmpty())
                    .exceptionally(e -> true);
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(true);
        }
    }

    private CompletableFuture<Void> ack(String entryId) {
        try {
            return store.redis()
                    .xack(store.keys().events(), JobKeys.SINK_GROUP, entryId)
                    .toCompletableFuture()
                    .thenApply(n -> (Void) null);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private void finished(String entryId) {
        permits.release();
        held.remove(entryId);
    }

    private void claimAbandoned() {
        if (closed || permits.availablePermits() == 0) {
            return;
        }
        try {
            store.redis()
                    .xautoclaim(
                            store.keys().events(),
                            XAutoClaimArgs.Builder.xautoclaim(
                                            Consumer.from(JobKeys.SINK_GROUP, name),
                                            settings.visibilityTimeout(),
                                            "0-0")
                                    .count(permits.availablePermits()))
                    .toCompletableFuture()
                    .thenAccept(claimed -> claimed.getMessages().forEach(m -> {
                        if (held.add(m.getId())) {
                            if (permits.tryAcquire()) {
                                deliver(m.getId(), m.getBody(), 1);
                            } else {
                                held.remove(m.getId());
                            }
                        }
                    }))
                    .exceptionally(e -> {
                        store.link().reportFailure(e);
                        return null;
                    });
        } catch (RuntimeException e) {
            store.link().reportFailure(e);
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        reader.close();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
