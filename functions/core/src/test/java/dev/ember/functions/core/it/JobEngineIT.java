package dev.ember.functions.core.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ember.functions.core.GatewayAssembly;
import dev.ember.functions.core.GatewayConfig;
import dev.ember.functions.core.InferenceGateway;
import dev.ember.functions.core.jobs.JobEngine;
import dev.ember.functions.core.jobs.JobSettings;
import dev.ember.functions.core.jobs.JobView;
import dev.ember.functions.core.jobs.LoopbackSink;
import dev.ember.functions.core.jobs.Submission;
import dev.ember.functions.core.redis.RedisFixture;
import dev.ember.functions.core.redis.RedisLink;
import dev.ember.pool.api.EventTypes;
import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.Tensor;
import dev.ember.pool.api.codec.InferenceCodec;
import dev.ember.pool.api.http.HttpPoolClient;
import dev.ember.pool.worker.WorkerProcess;
import dev.ember.pool.worker.it.ModelFixtures;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The job engine against a real worker process and a real Redis, with a CloudEvents sink on loopback. */
class JobEngineIT {
    private static final InferenceCodec CODEC = new InferenceCodec();

    @TempDir
    static Path repo;

    private static WorkerProcess worker;

    private final List<AutoCloseable> open = new ArrayList<>();
    private String prefix;

    @BeforeAll
    static void startWorker() {
        ModelFixtures.repo(repo).addAsShipped("mlp-tiny").addAsShipped("embed-int64");
        worker = WorkerProcess.start(repo, List.of("-Xmx512m"), List.of(), Duration.ofSeconds(60), false);
    }

    @AfterAll
    static void stopWorker() {
        worker.close();
    }

    @AfterEach
    void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        RedisFixture.deleteKeys(prefix);
    }

    private JobEngine engine(JobSettings settings) {
        prefix = RedisFixture.uniquePrefix();
        RedisLink link = RedisLink.open(RedisFixture.url(), Duration.ofSeconds(2));
        InferenceGateway gateway = GatewayAssembly.builder()
                .pool(new HttpPoolClient(worker.uri()))
                .redis(link)
                .config(GatewayConfig.DEFAULTS.withKeyPrefix(prefix))
                .meterRegistry(new SimpleMeterRegistry())
                .build();
        open.add(gateway);
        JobEngine engine = JobEngine.builder(gateway, CODEC)
                .redis(link)
                .settings(settings.withKeyPrefix(prefix))
                .build();
        open.add(engine);
        return engine;
    }

    private static JobSettings fast() {
        return JobSettings.DEFAULTS.withRetries(
                3, Duration.ofMillis(20), Duration.ofMillis(200), Duration.ofSeconds(5));
    }

    @Test
    void everyJobGetsOneResultAndItsCompletionEvent() throws Exception {
        try (LoopbackSink sink = new LoopbackSink()) {
            JobEngine engine = engine(fast().withSink(Optional.of(sink.uri()), List.of()));
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                ids.add(engine.submit(Submission.job(null, "mlp-tiny", null, mlp(i)))
                        .get(10, TimeUnit.SECONDS)
                        .id());
            }
            assertThat(engine.job(null, ids.get(0)).get().orElseThrow().status())
                    .isEqualTo(JobView.Status.QUEUED);
            engine.startConsumer("c1");
            engine.startDelivery("d1");
            await(() -> sink.distinctSubjects() == 200, Duration.ofSeconds(30));
            for (String id : ids) {
                JobView v = engine.job(null, id).get().orElseThrow();
                assertThat(v.status()).isEqualTo(JobView.Status.DONE);
                assertThat(new String(v.response().orElseThrow(), StandardCharsets.UTF_8))
                        .contains("\"model_name\":\"mlp-tiny\"")
                        .contains("probabilities");
            }
            try (RedisLink redis = RedisLink.openOrFail(RedisFixture.url(), Duration.ofSeconds(2))) {
                // every entry acknowledged: the housekeeping trims the stream (below what the group acknowledged)
                await(
                        () -> redis.commands()
                                        .orElseThrow()
                                        .xlen(prefix + "jobs:async")
                                        .toCompletableFuture()
                                        .join()
                                == 0,
                        Duration.ofSeconds(15));
            }
            LoopbackSink.Received e = sink.received().get(0);
            assertThat(e.type()).isEqualTo(EventTypes.COMPLETED);
            assertThat(e.id()).isEqualTo(e.subject());
            assertThat(e.contentType()).startsWith("application/json");
            assertThat(new String(e.data(), StandardCharsets.UTF_8)).contains("\"outputs\"");
        }
    }

    @Test
    void theSameIdempotencyKeyIsTheSameJob() throws Exception {
        JobEngine engine = engine(fast());
        Submission s = Submission.job(null, "mlp-tiny", null, mlp(1)).withIdempotencyKey("/orders:42");
        JobEngine.Receipt first = engine.submit(s).get(10, TimeUnit.SECONDS);
        JobEngine.Receipt again = engine.submit(s).get(10, TimeUnit.SECONDS);
        JobEngine.Receipt other =
                engine.submit(s.withIdempotencyKey("/orders:43")).get(10, TimeUnit.SECONDS);
        assertThat(first.duplicate()).isFalse();
        assertThat(again.duplicate()).isTrue();
        assertThat(again.id()).isEqualTo(first.id());
        assertThat(other.id()).isNotEqualTo(first.id());
    }

    @Test
    void pastTheCapSubmissionsGet429WithRetryAfterAndAcceptedOnesStay() throws Exception {
        JobEngine engine = engine(fast().withStreamCap(5));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(engine.submit(Submission.job(null, "mlp-tiny", null, mlp(i)))
                    .get(10, TimeUnit.SECONDS)
                    .id());
        }
        assertThatThrownBy(() -> engine.submit(Submission.job(null, "mlp-tiny", null, mlp(9)))
                        .get(10, TimeUnit.SECONDS))
                .hasCauseInstanceOf(InferenceException.class)
                .satisfies(e -> {
                    InferenceException f = InferenceException.find(e).orElseThrow();
                    assertThat(f.reason()).isEqualTo(InferenceException.Reason.OVERLOADED);
                    assertThat(f.retryAfter()).isPresent();
                    assertThat(f.getMessage()).contains("queue is full");
                });
        engine.startConsumer("c1");
        for (String id : ids) {
            await(() -> status(engine, id) == JobView.Status.DONE, Duration.ofSeconds(20));
        }
        assertThat(engine.submit(Submission.job(null, "mlp-tiny", null, mlp(9))).get(10, TimeUnit.SECONDS))
                .isNotNull();
    }

    @Test
    void aRequestThatWouldBeA400IsA400AtSubmission() {
        JobEngine engine = engine(fast());
        InferenceRequest wrong = InferenceRequest.of(Tensor.ofFloats("nope", new long[] {1, 64}, new float[64]));
        assertThatThrownBy(() -> engine.submit(Submission.job(null, "mlp-tiny", null, wrong))
                        .get(10, TimeUnit.SECONDS))
                .satisfies(
                        e -> assertThat(InferenceException.find(e).orElseThrow().reason())
                                .isEqualTo(InferenceException.Reason.BAD_INPUT));
        assertThatThrownBy(() -> engine.submit(Submission.job(null, "no-such-model", null, mlp(1)))
                        .get(10, TimeUnit.SECONDS))
                .satisfies(
                        e -> assertThat(InferenceException.find(e).orElseThrow().reason())
                                .isEqualTo(InferenceException.Reason.NOT_FOUND));
    }

    @Test
    void aPoisonRequestIsDeadLetteredAfterItsTriesWithAFailedEvent() throws Exception {
        try (LoopbackSink sink = new LoopbackSink()) {
            JobEngine engine = engine(fast().withSink(Optional.of(sink.uri()), List.of()));
            // Valid for the signature; id 100000 is outside the embedding table, so ONNX Runtime fails on it.
            InferenceRequest poison =
                    InferenceRequest.of(Tensor.ofLongs("ids", new long[] {1, 8}, 1, 2, 3, 4, 5, 6, 7, 100_000));
            String id = engine.submit(Submission.job(null, "embed-int64", null, poison))
                    .get(10, TimeUnit.SECONDS)
                    .id();
            engine.startConsumer("c1");
            engine.startDelivery("d1");
            await(() -> sink.got(id), Duration.ofSeconds(30));
            JobView v = engine.job(null, id).get().orElseThrow();
            assertThat(v.status()).isEqualTo(JobView.Status.FAILED);
            assertThat(v.attempts()).isEqualTo(3);
            assertThat(v.error().orElseThrow()).startsWith("failed 3 times; last: bad_input");
            LoopbackSink.Received e = sink.received().get(0);
            assertThat(e.type()).isEqualTo(EventTypes.FAILED);
            assertThat(new String(e.data(), StandardCharsets.UTF_8)).contains("\"error\":\"failed 3 times");
            try (RedisLink redis = RedisLink.openOrFail(RedisFixture.url(), Duration.ofSeconds(2))) {
                var dead = redis.commands()
                        .orElseThrow()
                        .xrange(prefix + "jobs:dead", io.lettuce.core.Range.create("-", "+"))
                        .get(5, TimeUnit.SECONDS);
                assertThat(dead).hasSize(1);
                assertThat(new String(dead.get(0).getBody().get("job"), StandardCharsets.UTF_8))
                        .isEqualTo(id);
                assertThat(new String(dead.get(0).getBody().get("attempts"), StandardCharsets.UTF_8))
                        .isEqualTo("3");
            }
        }
    }

    @Test
    void eventsWaitOutASinkThatIsDownWithoutHoldingUpJobs() throws Exception {
        try (LoopbackSink sink = new LoopbackSink()) {
            sink.down(true);
            JobEngine engine = engine(fast().withSink(Optional.of(sink.uri()), List.of()));
            engine.startConsumer("c1");
            engine.startDelivery("d1");
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                ids.add(engine.submit(Submission.job(null, "mlp-tiny", null, mlp(1000 + i)))
                        .get(10, TimeUnit.SECONDS)
                        .id());
            }
            for (String id : ids) { // the jobs finish while their events cannot be delivered
                await(() -> status(engine, id) == JobView.Status.DONE, Duration.ofSeconds(20));
            }
            await(() -> sink.refused() >= 40, Duration.ofSeconds(20)); // each event tried at least twice
            sink.down(false);
            await(() -> sink.distinctSubjects() == 20, Duration.ofSeconds(20));
        }
    }

    @Test
    void aBatchRunsAtBatchPriorityWithProgressAndPagedResults() throws Exception {
        JobEngine engine = engine(fast());
        List<InferenceRequest> requests = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            requests.add(mlp(2000 + i));
        }
        JobEngine.Receipt r = engine.submit(
                        new Submission(null, "mlp-tiny", null, requests, true, Optional.empty(), Optional.empty()))
                .get(10, TimeUnit.SECONDS);
        assertThat(r.batch()).isTrue();
        assertThat(r.jobs()).isEqualTo(25);
        assertThat(engine.batch(null, r.id(), 0, 10).get().orElseThrow().done()).isZero();
        engine.startConsumer("c1");
        await(() -> engine.batch(null, r.id(), 0, 10).join().orElseThrow().finished(), Duration.ofSeconds(20));
        var page = engine.batch(null, r.id(), 20, 10).get().orElseThrow();
        assertThat(page.total()).isEqualTo(25);
        assertThat(page.done()).isEqualTo(25);
        assertThat(page.jobs()).hasSize(5);
        assertThat(page.jobs().get(0).id()).isEqualTo(r.id() + ".20");
        assertThat(page.jobs()).allSatisfy(j -> assertThat(j.status()).isEqualTo(JobView.Status.DONE));
    }

    @Test
    void withoutRedisAsyncAnswers503SayingItNeedsRedis() {
        InferenceGateway gateway =
                GatewayAssembly.builder().pool(new HttpPoolClient(worker.uri())).build();
        open.add(gateway);
        JobEngine engine = JobEngine.builder(gateway, CODEC).build();
        open.add(engine);
        CompletableFuture<JobEngine.Receipt> f = engine.submit(Submission.job(null, "mlp-tiny", null, mlp(1)));
        assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS)).satisfies(e -> {
            InferenceException x = InferenceException.find(e).orElseThrow();
            assertThat(x.reason()).isEqualTo(InferenceException.Reason.UNAVAILABLE);
            assertThat(x.getMessage()).contains("async inference needs Redis");
        });
    }

    static JobView.Status status(JobEngine engine, String id) {
        return engine.job(null, id).join().map(JobView::status).orElse(null);
    }

    static InferenceRequest mlp(int seed) {
        float[] v = new float[64];
        for (int i = 0; i < v.length; i++) {
            v[i] = (seed * 64 + i) / 1000f;
        }
        return InferenceRequest.of(Tensor.ofFloats("input", new long[] {1, 64}, v));
    }

    static void await(BooleanSupplier condition, Duration within) throws InterruptedException {
        long until = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > until) {
                throw new AssertionError("not true within " + within);
            }
            Thread.sleep(20);
        }
    }
}
