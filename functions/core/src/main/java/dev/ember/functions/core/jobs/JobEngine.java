package dev.ember.functions.core.jobs;

import dev.ember.functions.core.Admission;
import dev.ember.functions.core.GatewayRequest;
import dev.ember.functions.core.InferenceGateway;
import dev.ember.functions.core.redis.RedisLink;
import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.Protocol;
import dev.ember.pool.api.codec.EncodedBody;
import dev.ember.pool.api.codec.InferenceCodec;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Durable async inference, framework-free: submissions are admitted by the gateway exactly as a
 * synchronous call would be (a 4xx at submission, never a queued job that fails later), recorded
 * and queued in Redis in one script, run by consumers ({@link #startConsumer}) through the same
 * gateway, and their results stored once with a completion event in an outbox that {@link
 * #startDelivery} sends. Redis is the store of record; without one, every call fails with 503
 * saying async needs Redis (the synchronous path does not need it).
 *
 * <p>For a driver that is not a stream consumer (a Lambda SQS handler, one message per job): {@link
 * #claim} admits and records the job the first time and takes it for a run, {@link #runNow} runs it
 * and stores its result, returning the failure to the caller, who {@link #requeue}s it for a retry
 * or calls {@link #deadLetter}.
 */
public final class JobEngine implements AutoCloseable {
    private static final SecureRandom IDS = new SecureRandom();

    private final InferenceGateway gateway;
    private final InferenceCodec codec;
    private final JobSettings settings;
    private final Optional<JobStore> store;
    private final JobMetrics metrics;
    private final Clock clock;
    private final CallbackPolicy callbacks;
    private final ScheduledExecutorService timer;
    private final Optional<JobRunner> runner;
    private final Optional<StreamHousekeeping> housekeeping;
    private final List<AutoCloseable> started = new ArrayList<>();
    /** A link this engine opened itself ({@link Builder#redis(String, Duration)}), closed with it. */
    private final RedisLink owned;

    private JobEngine(Builder b) {
        this.gateway = Objects.requireNonNull(b.gateway, "gateway");
        this.codec = Objects.requireNonNull(b.codec, "codec");
        this.settings = b.settings;
        this.clock = b.clock;
        this.metrics = new JobMetrics(b.registry);
        this.callbacks = new CallbackPolicy(settings.callbackAllow());
        this.owned = b.ownRedis;
        this.store = Optional.ofNullable(b.ownRedis != null ? b.ownRedis : b.redis)
                .map(l -> new JobStore(l, new JobKeys(settings.keyPrefix()), settings.jobTtl()));
        this.timer = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "ember-jobs-timer");
            t.setDaemon(true);
            return t;
        });
        this.runner = store.map(s -> new JobRunner(
                gateway, codec, s, metrics, clock, timer, settings.sink().map(Object::toString)));
        this.housekeeping = store.map(s -> new StreamHousekeeping(s, metrics));
        // The consumer groups are made by the consumers (from the stream's start, so nothing queued
        // before is missed): a process that only submits leaves no keys behind it.
        housekeeping.ifPresent(h -> timer.scheduleWithFixedDelay(h::tick, 0, 1, TimeUnit.SECONDS));
    }

    public static Builder builder(InferenceGateway gateway, InferenceCodec codec) {
        return new Builder(gateway, codec);
    }

    /** Whether async inference is available (a Redis is configured). */
    public boolean enabled() {
        return store.isPresent();
    }

    public JobSettings settings() {
        return settings;
    }

    /** What a submitter is told: the job's (or batch's) id, and whether an earlier submission made it. */
    public record Receipt(String id, boolean duplicate, boolean batch, int jobs) {}

    /**
     * Admits and queues a submission. Fails with the gateway's 4xx for what the synchronous call
     * would refuse, 400 for a callback that is not allowed, 429 with Retry-After past the class's
     * cap, 503 without Redis.
     */
    public CompletableFuture<Receipt> submit(Submission s) {
        try {
            JobStore jobs = requireStore();
            // The job keeps only its own callback; the deployment's sink is the finishing consumer's.
            Optional<String> finalSink = s.callback().map(callbacks::check).map(Object::toString);
            JobClass jobClass = s.jobClass();
            if (s.requests().size() > settings.streamCap()) {
                throw InferenceException.badInput("a batch of " + s.requests().size()
                        + " requests can never fit the queue's cap of " + settings.streamCap() + ": split it");
            }
            List<InferenceRequest> prioritized = s.requests().stream()
                    .map(r -> r.withParameters(r.parameters()
                            .with(Protocol.PRIORITY, jobClass.priority().wireName())))
                    .toList();
            CompletableFuture<List<Admission>> admitted = s.batch()
                    ? gateway.admitBatch(s.apiKey(), s.model(), s.version(), prioritized)
                    : gateway.admit(new GatewayRequest(s.apiKey(), s.model(), s.version(), prioritized.get(0)))
                            .thenApply(List::of);
            return admitted.thenCompose(list -> queue(jobs, s, jobClass, list, finalSink));
        } catch (InferenceException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private CompletableFuture<Receipt> queue(
            JobStore jobs, Submission s, JobClass jobClass, List<Admission> admitted, Optional<String> sink) {
        String tenant = admitted.get(0).tenantId();
        long now = clock.millis();
        String id = newId();
        List<Job> records = new ArrayList<>(admitted.size());
        for (int i = 0; i < admitted.size(); i++) {
            records.add(record(
                    s.batch() ? JobStore.childId(id, i) : id,
                    jobClass,
                    admitted.get(i),
                    sink,
                    now,
                    s.batch() ? Optional.of(id) : Optional.empty()));
        }
        Optional<String> idempotency = s.idempotencyKey().map(k -> jobs.keys().idempotency(tenant, sha256(k)));
        Optional<JobStore.BatchHeader> header =
                s.batch() ? Optional.of(new JobStore.BatchHeader(id, tenant, records.size(), now)) : Optional.empty();
        return jobs.submit(jobClass, records, idempotency, header, id, settings.streamCap())
                .thenApply(result -> {
                    if (result instanceof JobStore.Accepted a) {
                        metrics.submitted(jobClass, records.size());
                        return new Receipt(a.id(), false, s.batch(), records.size());
                    }
                    if (result instanceof JobStore.Duplicate d) {
                        return new Receipt(d.id(), true, s.batch(), records.size());
                    }
                    long backlog = ((JobStore.Full) result).backlog();
                    metrics.rejected(jobClass);
                    Duration retry = Backpressure.retryAfter(
                            backlog,
                            records.size(),
                            settings.streamCap(),
                            housekeeping.map(h -> h.drainPerSecond(jobClass)).orElse(0.0));
                    throw InferenceException.overloaded(
                            "the " + jobClass.wireName() + " queue is full (" + backlog + " jobs waiting, cap "
                                    + settings.streamCap() + "); retry in " + retry.toSeconds() + " s",
                            retry);
                });
    }

    private Job record(
            String id, JobClass jobClass, Admission a, Optional<String> sink, long now, Optional<String> batch) {
        EncodedBody body = codec.encodeRequest(a.request(), true);
        return new Job(
                id,
                jobClass,
                a.tenantId(),
                a.model(),
                a.version(),
                body.bytes(),
                body.binary() ? body.jsonLength() : -1,
                sink,
                now,
                batch,
                0,
                0);
    }

    /**
     * For a driver that is its own queue (a Lambda SQS handler: one message, one job, its id derived
     * from the message's): takes job {@code id} for a run, counting the attempt. The first time, the
     * submission is read ({@code submission} may throw the 400 of an unreadable message), admitted
     * exactly as {@link #submit} admits it and recorded as {@code id}, without a stream entry; a
     * redelivery finds that record and runs it again without admitting it again. Completes with the
     * record for {@link #runNow} (then {@link #requeue} or {@link #deadLetter} on failure), empty
     * when the job already finished; fails with the gateway's 4xx (nothing recorded) or 503.
     */
    public CompletableFuture<Optional<Job>> claim(String id, Supplier<Submission> submission) {
        try {
            JobStore jobs = requireStore();
            requireId(id);
            return jobs.claim(id, JobClass.ASYNC, null).thenCompose(taken -> {
                if (taken instanceof JobStore.Run run) {
                    return CompletableFuture.completedFuture(Optional.of(run.job()));
                }
                if (!"missing".equals(((JobStore.Nothing) taken).why())) {
                    return CompletableFuture.completedFuture(Optional.<Job>empty());
                }
                return admitAs(jobs, id, submission.get());
            });
        } catch (InferenceException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private CompletableFuture<Optional<Job>> admitAs(JobStore jobs, String id, Submission s) {
        if (s.batch()) {
            throw new IllegalArgumentException("a claimed job is one request, not a batch");
        }
        Optional<String> sink = s.callback()
                .map(callbacks::check)
                .map(Object::toString)
                .or(() -> settings.sink().map(Object::toString));
        InferenceRequest request = s.requests().get(0);
        InferenceRequest prioritized = request.withParameters(request.parameters()
                .with(Protocol.PRIORITY, JobClass.ASYNC.priority().wireName()));
        return gateway.admit(new GatewayRequest(s.apiKey(), s.model(), s.version(), prioritized))
                .thenCompose(a -> jobs.claim(
                        id, JobClass.ASYNC, record(id, JobClass.ASYNC, a, sink, clock.millis(), Optional.empty())))
                .thenApply(taken -> {
                    if (taken instanceof JobStore.Run run) {
                        metrics.submitted(JobClass.ASYNC, 1);
                        return Optional.of(run.job());
                    }
                    return Optional.empty();
                });
    }

    /** Back to queued with {@code reason} as its last error, after a failed {@link #runNow} the driver retries. */
    public CompletableFuture<Void> requeue(Job job, String reason) {
        try {
            return requireStore().requeue(job, reason, true);
        } catch (InferenceException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** A job's status, for the tenant that submitted it (another tenant's job is not found). */
    public CompletableFuture<Optional<JobView>> job(String apiKey, String id) {
        try {
            JobStore jobs = requireStore();
            String tenant = gateway.tenantOf(apiKey);
            requireId(id);
            return jobs.view(id).thenApply(v -> v.filter(j -> tenant.equals(j.tenant())));
        } catch (InferenceException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** A batch's progress and one page of its jobs, for the tenant that submitted it. */
    public CompletableFuture<Optional<BatchView>> batch(String apiKey, String id, int offset, int limit) {
        try {
            JobStore jobs = requireStore();
            String tenant = gateway.tenantOf(apiKey);
            requireId(id);
            if (offset < 0 || limit < 1 || limit > 1000) {
                throw InferenceException.badInput(
                        "offset must be ≥ 0 and limit 1..1000, got offset " + offset + ", limit " + limit);
            }
            return jobs.batch(id, offset, limit).thenApply(v -> v.filter(b -> tenant.equals(b.tenant())));
        } catch (InferenceException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Runs one job now, outside any stream: its request through the gateway, its result stored once
     * with its completion event. Completes with true when this call stored the result (false: an
     * earlier run had); fails with the run's failure, nothing stored, for the caller to retry or
     * {@link #deadLetter}. The record comes from {@link #load}.
     */
    public CompletableFuture<Boolean> runNow(Job job) {
        return runner().run(job, null);
    }

    /** Gives a job up: status failed with {@code reason}, a dead-letter entry, its failed event. */
    public CompletableFuture<Boolean> deadLetter(Job job, String reason) {
        return runner().deadLetter(job, reason, null);
    }

    /** A job's record by id, as {@link #runNow} takes it; empty when it expired or finished. */
    public CompletableFuture<Optional<Job>> load(String id) {
        try {
            return requireStore().load(id);
        } catch (InferenceException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Starts this process's consumer of the job streams ({@code settings.concurrency()} jobs at
     * once), named {@code name} in the consumer group (unique per process: a restarted process may
     * reuse its name and gets its pending entries back through the claim).
     */
    public JobConsumer startConsumer(String name) {
        JobConsumer c = new JobConsumer(requireStore(), runner(), settings, metrics, timer, name);
        c.start();
        synchronized (started) {
            started.add(c);
        }
        return c;
    }

    /** Starts delivering completion events from the outbox. */
    public SinkDelivery startDelivery(String name) {
        SinkDelivery d = new SinkDelivery(requireStore(), settings, metrics, new CompletionEvents(clock), timer, name);
        d.start();
        synchronized (started) {
            started.add(d);
        }
        return d;
    }

    /** A consumer name unique to this process: host and pid. */
    public static String processName() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "host";
        }
        return host + "-" + ProcessHandle.current().pid();
    }

    private JobRunner runner() {
        requireStore();
        return runner.orElseThrow();
    }

    private JobStore requireStore() {
        return store.orElseThrow(() -> InferenceException.unavailable(
                "async inference needs Redis (the store of record for accepted jobs), and this deployment has none:"
                        + " start Redis with AOF (appendonly yes) and set REDIS_URL; synchronous inference works"
                        + " without it"));
    }

    private static void requireId(String id) {
        if (id == null || !id.matches("[0-9a-f]{32}(\\.[0-9]{1,5})?")) {
            throw InferenceException.notFound("no job '" + id + "'");
        }
    }

    static String newId() {
        byte[] b = new byte[16];
        IDS.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /**
     * Stops consumers and delivery (jobs in hand get a few seconds), then the timers; the gateway
     * and a Redis link given to {@link Builder#redis(RedisLink)} are the caller's.
     */
    @Override
    public void close() {
        List<AutoCloseable> all;
        synchronized (started) {
            all = new ArrayList<>(started);
            started.clear();
        }
        for (AutoCloseable c : all) {
            try {
                c.close();
            } catch (Exception e) {
                // closing: nothing more to do
            }
        }
        timer.shutdownNow();
        if (owned != null) {
            owned.close();
        }
    }

    public static final class Builder {
        private final InferenceGateway gateway;
        private final InferenceCodec codec;
        private RedisLink redis;
        private RedisLink ownRedis;
        private JobSettings settings = JobSettings.DEFAULTS;
        private MeterRegistry registry = new SimpleMeterRegistry();
        private Clock clock = Clock.systemUTC();

        private Builder(InferenceGateway gateway, InferenceCodec codec) {
            this.gateway = gateway;
            this.codec = codec;
        }

        /** The store of record; without it (null) every call answers 503. */
        public Builder redis(RedisLink redis) {
            this.redis = redis;
            return this;
        }

        /**
         * A link of the engine's own to the Redis at {@code url}, whose commands may take up to {@code
         * commandTimeout}: accepting a job durably is worth waiting longer for than a cache lookup
         * (the gateway's link gives up after 200 ms, which under a loaded burst answered 668
         * submissions with 503). Closed with the engine.
         */
        public Builder redis(String url, Duration commandTimeout) {
            this.ownRedis = RedisLink.open(url, commandTimeout);
            return this;
        }

        public Builder settings(JobSettings settings) {
            this.settings = Objects.requireNonNull(settings);
            return this;
        }

        public Builder meterRegistry(MeterRegistry registry) {
            this.registry = Objects.requireNonNull(registry);
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        public JobEngine build() {
            return new JobEngine(this);
        }
    }
}
