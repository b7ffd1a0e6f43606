package dev.ember.functions.core.jobs;

import dev.ember.functions.core.redis.RedisLink;
import io.lettuce.core.Consumer;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAutoClaimArgs;
import io.lettuce.core.XClaimArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A consumer of the job streams, one per process: reads with {@code XREADGROUP} ({@code async}
 * before {@code batch}), runs at most {@code concurrency} jobs at once, retries a failed run with
 * backoff on the same entry (it stays pending with this consumer), dead-letters it after its tries,
 * and takes over entries another consumer has held past the visibility timeout ({@code XAUTOCLAIM}):
 * that consumer is taken for dead. An entry is acknowledged only in the script that stores the
 * job's result, so a consumer killed at any point leaves its jobs pending, never lost.
 *
 * <p>Threads: {@code ember-jobs-<name>} reads (blocking, on a Redis connection of its own, so no
 * other command waits behind its {@code BLOCK}); jobs run on the gateway's futures; retries and
 * claims on the engine's timer.
 */
public final class JobConsumer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(JobConsumer.class.getName());
    private static final Duration BLOCK = Duration.ofSeconds(1);
    private static final long REDIS_RETRY_MS = 500;

    private final JobStore store;
    private final JobRunner runner;
    private final RetryPolicy policy;
    private final JobSettings settings;
    private final JobMetrics metrics;
    private final ScheduledExecutorService timer;
    private final String name;
    private final Semaphore permits;
    private final Set<String> held = ConcurrentHashMap.newKeySet();
    private final RedisLink reader;
    private final Thread thread;
    private volatile boolean closed;

    JobConsumer(
            JobStore store,
            JobRunner runner,
            JobSettings settings,
            JobMetrics metrics,
            ScheduledExecutorService timer,
            String name) {
        this.store = store;
        this.runner = runner;
        this.policy = RetryPolicy.of(settings);
        this.settings = settings;
        this.metrics = metrics;
        this.timer = timer;
        this.name = name;
        this.permits = new Semaphore(settings.concurrency());
        this.reader = RedisLink.open(store.link().url(), BLOCK.plusSeconds(4));
        this.thread = new Thread(this::loop, "ember-jobs-" + name);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
        long every = Math.max(500, settings.visibilityTimeout().toMillis() / 4);
        timer.scheduleWithFixedDelay(this::claimAbandoned, every, every, TimeUnit.MILLISECONDS);
    }

    public String name() {
        return name;
    }

    /** Jobs in hand now (running, or waiting for their next try). */
    public int inHand() {
        return settings.concurrency() - permits.availablePermits();
    }

    private void loop() {
        boolean groups = false;
        while (!closed) {
            try {
                if (!groups) {
                    store.ensureGroups().get(5, TimeUnit.SECONDS);
                    groups = true;
                }
                permits.acquire();
                permits.release();
                List<StreamMessage<String, byte[]>> got = read(false, JobClass.ASYNC);
                if (got.isEmpty()) {
                    got = read(false, JobClass.BATCH);
                }
                if (got.isEmpty()) {
                    got = read(true, JobClass.ASYNC, JobClass.BATCH);
                }
                for (StreamMessage<String, byte[]> m : got) {
                    permits.acquire();
                    dispatch(classOf(m.getStream()), m.getId(), jobId(m));
                }
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                if (closed) {
                    return;
                }
                if (String.valueOf(e.getMessage()).contains("NOGROUP")
                        || e.getCause() instanceof RedisCommandExecutionException c
                                && String.valueOf(c.getMessage()).contains("NOGROUP")) {
                    groups = false; // Redis lost its data (no AOF?): the groups are made again
                }
                store.link().reportFailure(e);
                sleep(REDIS_RETRY_MS);
            }
        }
    }

    private List<StreamMessage<String, byte[]>> read(boolean block, JobClass... classes) throws Exception {
        RedisAsyncCommands<String, byte[]> redis = reader.commands()
                .orElseThrow(() -> new IllegalStateException("the consumer's Redis connection is not up yet"));
        int free = Math.max(1, permits.availablePermits());
        XReadArgs args = XReadArgs.Builder.count(block ? 1 : free);
        if (block) {
            args = args.block(BLOCK);
        }
        @SuppressWarnings("unchecked")
        XReadArgs.StreamOffset<String>[] offsets = new XReadArgs.StreamOffset[classes.length];
        for (int i = 0; i < classes.length; i++) {
            offsets[i] = XReadArgs.StreamOffset.lastConsumed(store.keys().stream(classes[i]));
        }
        List<StreamMessage<String, byte[]>> got = redis.xreadgroup(Consumer.from(JobKeys.GROUP, name), args, offsets)
                .get(BLOCK.toMillis() + 4000, TimeUnit.MILLISECONDS);
        store.link().reportSuccess();
        return got == null ? List.of() : got;
    }

    private void dispatch(JobClass c, String entryId, String jobId) {
        held.add(entryId);
        process(c, entryId, jobId).whenComplete((ok, e) -> {
            held.remove(entryId);
            permits.release();
            if (e != null && !closed) {
                LOG.log(System.Logger.Level.WARNING, "job {0}: {1}; its entry stays pending", jobId, e.toString());
            }
        });
    }

    /** Takes, runs and finishes one entry; completes when the entry is acknowledged or left pending. */
    private CompletableFuture<Void> process(JobClass c, String entryId, String jobId) {
        CompletableFuture<JobStore.Taken> taken;
        try {
            taken = store.take(jobId, c, entryId);
        } catch (RuntimeException e) {
            taken = CompletableFuture.failedFuture(e);
        }
        return taken.handle((t, e) -> {
                    if (e != null) { // Redis could not answer: the entry stays ours; try again shortly
                        return later(Duration.ofMillis(REDIS_RETRY_MS), () -> process(c, entryId, jobId));
                    }
                    if (t instanceof JobStore.Run run) {
                        return runOnce(c, entryId, run.job());
                    }
                    return CompletableFuture.<Void>completedFuture(null);
                })
                .thenCompose(f -> f);
    }

    private CompletableFuture<Void> runOnce(JobClass c, String entryId, Job job) {
        return runner.run(job, entryId)
                .handle((first, e) -> {
                    if (e == null) {
                        return CompletableFuture.<Void>completedFuture(null);
                    }
                    RetryPolicy.Decision d = policy.after(job.failures(), job.attempts(), e);
                    if (d instanceof RetryPolicy.Retry retry) {
                        metrics.retried.increment();
                        return store.requeue(job, RetryPolicy.reason(e), retry.counted())
                                .handle((x, ignored) -> null)
                                .thenCompose(x -> later(
                                        retry.after(),
                                        () -> reclaim(c, entryId)
                                                .thenCompose(mine -> mine ? process(c, entryId, job.id()) : done())));
                    }
                    return runner.deadLetter(job, ((RetryPolicy.DeadLetter) d).reason(), entryId)
                            .thenApply(x -> (Void) null);
                })
                .thenCompose(f -> f);
    }

    /**
     * Claims {@code entryId} again for this consumer before its next try, which resets its idle time:
     * a job waiting out its backoff is not taken for abandoned. False if the entry is no longer
     * pending (another consumer took it and finished).
     */
    private CompletableFuture<Boolean> reclaim(JobClass c, String entryId) {
        try {
            return store.redis()
                    .xclaim(
                            store.keys().stream(c),
                            Consumer.from(JobKeys.GROUP, name),
                            XClaimArgs.Builder.minIdleTime(0).justid(),
                            entryId)
                    .toCompletableFuture()
                    .thenApply(claimed -> !claimed.isEmpty())
                    .exceptionally(e -> true); // Redis down: try the entry anyway, the scripts decide
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(true);
        }
    }

    private void claimAbandoned() {
        if (closed) {
            return;
        }
        for (JobClass c : JobClass.values()) {
            int free = permits.availablePermits();
            if (free == 0) {
                return;
            }
            try {
                store.redis()
                        .xautoclaim(
                                store.keys().stream(c),
                                XAutoClaimArgs.Builder.xautoclaim(
                                                Consumer.from(JobKeys.GROUP, name), settings.visibilityTimeout(), "0-0")
                                        .count(free))
                        .toCompletableFuture()
                        .thenAccept(claimed -> claimed.getMessages().forEach(m -> {
                            if (!held.contains(m.getId()) && permits.tryAcquire()) {
                                metrics.claimed.increment();
                                dispatch(c, m.getId(), jobId(m));
                            }
                        }))
                        .exceptionally(e -> {
                            store.link().reportFailure(e);
                            return null;
                        });
            } catch (RuntimeException e) {
                store.link().reportFailure(e);
                return;
            }
        }
    }

    private CompletableFuture<Void> later(Duration delay, Supplier<CompletableFuture<Void>> then) {
        if (closed) {
            return done(); // left pending: another consumer claims it
        }
        CompletableFuture<Void> out = new CompletableFuture<>();
        try {
            timer.schedule(
                    () -> then.get().whenComplete((x, e) -> {
                        if (e != null) {
                            out.completeExceptionally(e);
                        } else {
                            out.complete(null);
                        }
                    }),
                    delay.toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            out.complete(null);
        }
        return out;
    }

    private static CompletableFuture<Void> done() {
        return CompletableFuture.completedFuture(null);
    }

    private JobClass classOf(String stream) {
        for (JobClass c : JobClass.values()) {
            if (store.keys().stream(c).equals(stream)) {
                return c;
            }
        }
        throw new IllegalStateException("not a job stream: " + stream);
    }

    private static String jobId(StreamMessage<String, byte[]> m) {
        return Optional.ofNullable(m.getBody().get("job")).map(JobStore::text).orElse("");
    }

    /** Stops reading; jobs in hand get up to {@code grace} to finish, the rest stay pending for another consumer. */
    public void close(Duration grace) {
        closed = true;
        thread.interrupt();
        try {
            permits.tryAcquire(settings.concurrency(), grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        reader.close();
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
