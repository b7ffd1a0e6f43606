package dev.ember.functions.core.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ember.functions.core.GatewayAssembly;
import dev.ember.functions.core.GatewayConfig;
import dev.ember.functions.core.InferenceGateway;
import dev.ember.functions.core.jobs.JobEngine;
import dev.ember.functions.core.jobs.JobKeys;
import dev.ember.functions.core.jobs.JobSettings;
import dev.ember.functions.core.jobs.LoopbackSink;
import dev.ember.functions.core.jobs.Submission;
import dev.ember.functions.core.redis.RedisFixture;
import dev.ember.functions.core.redis.RedisLink;
import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.Tensor;
import dev.ember.pool.api.codec.InferenceCodec;
import dev.ember.pool.api.http.HttpPoolClient;
import dev.ember.pool.worker.WorkerProcess;
import dev.ember.pool.worker.it.ModelFixtures;
import io.lettuce.core.KeyValue;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing accepted is lost: consumer processes ({@code ConsumerMain}, as {@code bin/ember consumer}
 * runs it) killed with {@code kill -9} and restarted, and Redis (with AOF, in a temp dir) restarted,
 * in the middle of a run, against a real worker process, with completion events to a sink on
 * loopback. Prints what it saw.
 */
class JobDurabilityIT {
    private static final InferenceCodec CODEC = new InferenceCodec();

    @TempDir
    static Path dir;

    private static WorkerProcess worker;

    @BeforeAll
    static void startWorker() {
        ModelFixtures.repo(dir.resolve("models")).addAsShipped("mlp-tiny");
        worker = WorkerProcess.start(
                dir.resolve("models"), List.of("-Xmx512m"), List.of(), Duration.ofSeconds(60), false);
    }

    @AfterAll
    static void stopWorker() {
        worker.close();
    }

    /** A submitter only: the consumers are the processes. */
    private static JobEngine submitter(RedisLink link, String prefix) {
        InferenceGateway gateway = GatewayAssembly.builder()
                .pool(new HttpPoolClient(worker.uri()))
                .redis(link)
                .config(GatewayConfig.DEFAULTS.withKeyPrefix(prefix))
                .build();
        return JobEngine.builder(gateway, CODEC)
                .redis(link)
                .settings(JobSettings.DEFAULTS.withKeyPrefix(prefix))
                .build();
    }

    private static ConsumerProcess consumer(String name, String redis, String prefix, LoopbackSink sink) {
        return new ConsumerProcess(
                name,
                redis,
                worker.uri(),
                prefix,
                sink.uri(),
                dir.resolve(name + ".log"),
                "--visibility-timeout-ms",
                "3000",
                "--backoff-ms",
                "50",
                "--concurrency",
                "64");
    }

    @Test
    void tenThousandJobsWhileAConsumerProcessIsKilledWithKill9EachHaveExactlyOneResult() throws Exception {
        String prefix = RedisFixture.uniquePrefix();
        JobKeys keys = new JobKeys(prefix);
        int jobs = 10_000;
        RedisLink link = RedisLink.open(RedisFixture.url(), Duration.ofSeconds(5));
        try (LoopbackSink sink = new LoopbackSink();
                JobEngine engine = submitter(link, prefix);
                ConsumerProcess a = consumer("a", RedisFixture.url(), prefix, sink);
                ConsumerProcess b = consumer("b", RedisFixture.url(), prefix, sink)) {
            a.start();
            b.start();
            long start = System.nanoTime();
            String[] ids = new String[jobs];
            CompletableFuture<Void> submitted =
                    CompletableFuture.runAsync(() -> submitAll(engine, ids, new AtomicInteger(), null));
            RedisAsyncCommands<String, byte[]> redis = link.commands().orElseThrow();
            await(
                    () -> counter(redis, keys.finished(dev.ember.functions.core.jobs.JobClass.ASYNC)) >= jobs / 4,
                    Duration.ofSeconds(40));
            a.kill9();
            long killedAt = counter(redis, keys.finished(dev.ember.functions.core.jobs.JobClass.ASYNC));
            Thread.sleep(300);
            a.start(); // the same name: its pending entries come back through the claim
            submitted.get(60, TimeUnit.SECONDS);
            await(
                    () -> counter(redis, keys.finished(dev.ember.functions.core.jobs.JobClass.ASYNC)) == jobs,
                    Duration.ofSeconds(50));
            await(() -> sink.distinctSubjects() == jobs, Duration.ofSeconds(30));
            double seconds = (System.nanoTime() - start) / 1e9;

            int done = 0;
            for (int from = 0; from < jobs; from += 1000) {
                List<CompletableFuture<List<KeyValue<String, byte[]>>>> page = new ArrayList<>();
                for (int i = from; i < Math.min(jobs, from + 1000); i++) {
                    page.add(redis.hmget(keys.job(ids[i]), "status", "result").toCompletableFuture());
                }
                for (CompletableFuture<List<KeyValue<String, byte[]>>> f : page) {
                    List<KeyValue<String, byte[]>> v = f.get(10, TimeUnit.SECONDS);
                    if (v.get(0).hasValue()
                            && "done".equals(new String(v.get(0).getValue(), StandardCharsets.UTF_8))
                            && v.get(1).hasValue()
                            && new String(v.get(1).getValue(), StandardCharsets.UTF_8).contains("probabilities")) {
                        done++;
                    }
                }
            }
            long again = counter(redis, keys.finishedAgain(dev.ember.functions.core.jobs.JobClass.ASYNC));
            long backlog = counter(redis, keys.backlog(dev.ember.functions.core.jobs.JobClass.ASYNC));
            long dead = redis.xlen(keys.dead()).get(5, TimeUnit.SECONDS);
            long pending = redis.xpending(keys.stream(dev.ember.functions.core.jobs.JobClass.ASYNC), JobKeys.GROUP)
                    .get(5, TimeUnit.SECONDS)
                    .getCount();
            System.out.printf(
                    "async.kill9: jobs=%d results=%d missing=%d killed_after=%d reruns_not_stored=%d"
                            + " events_distinct=%d events_received=%d dead_lettered=%d backlog=%d pending=%d"
                            + " seconds=%.1f%n",
                    jobs,
                    done,
                    jobs - done,
                    killedAt,
                    again,
                    sink.distinctSubjects(),
                    sink.received().size(),
                    dead,
                    backlog,
                    pending,
                    seconds);
            assertThat(done).isEqualTo(jobs);
            assertThat(sink.distinctSubjects()).isEqualTo(jobs);
            assertThat(backlog).isZero();
            assertThat(pending).isZero();
            assertThat(dead).isZero();
        } finally {
            link.close();
            RedisFixture.deleteKeys(prefix);
        }
    }

    @Test
    void redisRestartedMidRunLosesNoAcceptedJob() throws Exception {
        RedisFixture.Server server = RedisFixture.Server.startDurable();
        String prefix = "ember:";
        JobKeys keys = new JobKeys(prefix);
        int jobs = 3_000;
        RedisLink link = RedisLink.open(server.url(), Duration.ofSeconds(2));
        try (LoopbackSink sink = new LoopbackSink();
                JobEngine engine = submitter(link, prefix);
                ConsumerProcess c = consumer("c", server.url(), prefix, sink)) {
            c.start();
            String[] ids = new String[jobs];
            AtomicInteger accepted = new AtomicInteger();
            AtomicInteger refused = new AtomicInteger();
            CompletableFuture<Void> submitted =
                    CompletableFuture.runAsync(() -> submitAll(engine, ids, accepted, refused));
            await(() -> accepted.get() >= jobs / 3, Duration.ofSeconds(30));
            server.stop(); // graceful: the AOF is flushed
            Thread.sleep(1000);
            server.restart();
            submitted.get(60, TimeUnit.SECONDS);
            List<String> acceptedIds = new ArrayList<>();
            for (String id : ids) {
                if (id != null) {
                    acceptedIds.add(id);
                }
            }
            await(
                    () -> acceptedIds.stream().allMatch(id -> "done".equals(status(link, keys, id))),
                    Duration.ofSeconds(50));
            await(() -> acceptedIds.stream().allMatch(sink::got), Duration.ofSeconds(30));
            System.out.printf(
                    "async.redis_restart: jobs=%d accepted=%d refusals_while_down=%d (each resubmitted with its key)"
                            + " done=%d events_distinct=%d%n",
                    jobs, acceptedIds.size(), refused.get(), acceptedIds.size(), sink.distinctSubjects());
            assertThat(acceptedIds).hasSize(jobs);
            assertThat(refused.get()).isPositive(); // the outage was seen
            assertThat(sink.distinctSubjects()).isEqualTo(jobs); // a resubmission is the same job, not another
        } finally {
            link.close();
            server.destroy();
        }
    }

    private static String status(RedisLink link, JobKeys keys, String id) {
        try {
            byte[] v =
                    link.commands().orElseThrow().hget(keys.job(id), "status").get(5, TimeUnit.SECONDS);
            return v == null ? null : new String(v, StandardCharsets.UTF_8);
        } catch (Exception e) {
            return null;
        }
    }

    /**
     * Submits {@code ids.length} jobs, 256 at a time, each with an idempotency key of its own; with
     * {@code refused} non-null, a refused submission is sent again (same key) 100 ms later until it
     * is accepted, as a client told 503 would, and counted.
     */
    private static void submitAll(JobEngine engine, String[] ids, AtomicInteger accepted, AtomicInteger refused) {
        Semaphore inFlight = new Semaphore(256);
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        for (int i = 0; i < ids.length; i++) {
            inFlight.acquireUninterruptibly();
            submit(engine, ids, i, accepted, refused, failures, inFlight);
        }
        inFlight.acquireUninterruptibly(256);
        if (refused == null && !failures.isEmpty()) {
            throw new AssertionError("submissions failed: " + failures.peek());
        }
    }

    private static void submit(
            JobEngine engine,
            String[] ids,
            int slot,
            AtomicInteger accepted,
            AtomicInteger refused,
            Queue<Throwable> failures,
            Semaphore inFlight) {
        engine.submit(Submission.job(null, "mlp-tiny", null, mlp(slot)).withIdempotencyKey("job-" + slot))
                .whenComplete((r, e) -> {
                    if (e == null) {
                        ids[slot] = r.id();
                        accepted.incrementAndGet();
                        inFlight.release();
                    } else if (refused != null) {
                        refused.incrementAndGet();
                        CompletableFuture.delayedExecutor(100, TimeUnit.MILLISECONDS)
                                .execute(() -> submit(engine, ids, slot, accepted, refused, failures, inFlight));
                    } else {
                        failures.add(e);
                        inFlight.release();
                    }
                });
    }

    private static long counter(RedisAsyncCommands<String, byte[]> redis, String key) {
        try {
            byte[] v = redis.get(key).get(5, TimeUnit.SECONDS);
            return v == null ? 0 : Long.parseLong(new String(v, StandardCharsets.UTF_8));
        } catch (Exception e) {
            return -1;
        }
    }

    static InferenceRequest mlp(int seed) {
        float[] v = new float[64];
        for (int i = 0; i < v.length; i++) {
            v[i] = (seed * 64 + i) / 10_000f;
        }
        return InferenceRequest.of(Tensor.ofFloats("input", new long[] {1, 64}, v));
    }

    static void await(BooleanSupplier condition, Duration within) throws InterruptedException {
        long until = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > until) {
                throw new AssertionError("not true within " + within);
            }
            Thread.sleep(50);
        }
    }
}
