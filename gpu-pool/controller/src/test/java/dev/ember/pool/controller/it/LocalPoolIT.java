package dev.ember.pool.controller.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.InferenceResponse;
import dev.ember.pool.api.Tensor;
import dev.ember.pool.controller.LocalPool;
import dev.ember.pool.controller.LocalPoolConfig;
import dev.ember.pool.worker.WorkerProcess;
import dev.ember.pool.worker.it.ModelFixtures;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local pool with real worker processes: scale from zero, out, to zero; crashes; reloads. */
class LocalPoolIT {
    @TempDir
    Path repo;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private LocalPool pool;

    @AfterEach
    void stop() {
        if (pool != null) {
            pool.close();
        }
    }

    private LocalPool start(LocalPool.VersionHook hook) {
        LocalPoolConfig config = new LocalPoolConfig(
                repo,
                WorkerProcess.Launch.thisClasspath(List.of("-Xmx256m", "-XX:TieredStopAtLevel=1")),
                List.of(),
                1,
                Duration.ofMillis(500),
                Duration.ofMillis(500),
                Duration.ofSeconds(30),
                100,
                Duration.ofSeconds(60));
        pool = LocalPool.start(config, registry, Clock.systemUTC(), hook);
        return pool;
    }

    private static InferenceRequest request(float seed) {
        float[] v = new float[64];
        for (int i = 0; i < 64; i++) {
            v[i] = seed + i / 64f;
        }
        InferenceRequest r = InferenceRequest.of(Tensor.ofFloats("input", new long[] {1, 64}, v));
        // The pool keeps a request's deadline while it waits for a cold start: allow a busy machine
        // a minute for one, where the class default (10 s) is meant for a warm pool.
        return r.withParameters(r.parameters().with("timeout_ms", 60_000L));
    }

    @Test
    void theFirstRequestScalesFromZeroAndIsAnswered() throws Exception {
        ModelFixtures.repo(repo).add("mlp", "mlp-tiny", 1, "scaling: {initial_scale: 0}\n");
        start(LocalPool.VersionHook.NONE);
        assertThat(pool.readyWorkers("mlp")).isZero();
        // The spare runtime is reported once it has practised: what a runner waits for before measuring.
        awaitTrue(
                () -> registry.get("ember.pool.spares").gauge().value() == 1,
                Duration.ofSeconds(60),
                "ember_pool_spares to report the spare");

        long start = System.nanoTime();
        InferenceResponse r = pool.infer("mlp", null, request(1)).get(60, TimeUnit.SECONDS);
        long ms = (System.nanoTime() - start) / 1_000_000;

        assertThat(r.output("probabilities")).isPresent();
        assertThat(pool.readyWorkers("mlp")).isEqualTo(1);
        System.out.println("scale from zero to first answer: " + ms + " ms");
    }

    @Test
    void withNoScaleToZeroGraceTheWorkerStartedForALookupServesTheRequestsThatFollow() throws Exception {
        ModelFixtures.repo(repo)
                .add(
                        "mlp",
                        "mlp-tiny",
                        1,
                        "scaling: {initial_scale: 0, min_warm: 0, scale_to_zero_grace_seconds: 0}\n");
        start(LocalPool.VersionHook.NONE);

        // what a gateway does on its first request: the model's signature, then the call
        pool.metadata("mlp", null).get(20, TimeUnit.SECONDS);
        long start = System.nanoTime();
        for (int i = 0; i < 5; i++) {
            assertThat(pool.infer("mlp", null, request(i))
                            .get(20, TimeUnit.SECONDS)
                            .output("probabilities"))
                    .isPresent();
            Thread.sleep(600); // a tick (500 ms) between requests: none may drain the worker under them
        }
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(15_000);
    }

    @Test
    void underOverloadVipIsAnsweredFirstAndWhatCannotWaitIs429WithRetryAfter() throws Exception {
        ModelFixtures.repo(repo).add("det", "ppocr-det", 1, """
                        max_batch_size: 0
                        instances: 1
                        intra_op_threads: 1
                        warmup: {shapes: {x: [-1, 3, 320, 320]}}
                        priorities: {realtime: {queue_cap: 8}}
                        scaling: {initial_scale: 1, max_workers: 1}
                        """);
        start(LocalPool.VersionHook.NONE);
        awaitTrue(() -> pool.readyWorkers("det") == 1, Duration.ofSeconds(60), "the initial worker");
        InferenceRequest image =
                InferenceRequest.of(Tensor.ofFloats("x", new long[] {1, 3, 320, 320}, new float[3 * 320 * 320]));

        List<CompletableFuture<InferenceResponse>> realtime = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            realtime.add(pool.infer("det", null, image));
        }
        List<CompletableFuture<InferenceResponse>> vip = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            vip.add(pool.infer(
                    "det", null, image.withParameters(image.parameters().with("priority", "vip"))));
        }
        List<Long> vipDone = new ArrayList<>();
        for (CompletableFuture<InferenceResponse> f : vip) {
            f.get(60, TimeUnit.SECONDS); // every vip request is answered
            vipDone.add(System.nanoTime());
        }
        int answered = 0;
        int shed = 0;
        long lastRealtime = 0;
        for (CompletableFuture<InferenceResponse> f : realtime) {
            try {
                f.get(60, TimeUnit.SECONDS);
                answered++;
                lastRealtime = Math.max(lastRealtime, System.nanoTime());
            } catch (java.util.concurrent.ExecutionException e) {
                InferenceException ie = InferenceException.find(e).orElseThrow();
                assertThat(ie.reason()).isEqualTo(InferenceException.Reason.OVERLOADED);
                assertThat(ie.retryAfter())
                        .hasValueSatisfying(d -> assertThat(d).isPositive());
                assertThat(ie.getMessage()).contains("is busy");
                shed++;
            }
        }
        // 2 requests on the worker, 8 waiting: the other 30 were refused at once, not queued
        assertThat(shed).isGreaterThanOrEqualTo(25);
        assertThat(answered + shed).isEqualTo(40);
        assertThat(Collections.max(vipDone)).isLessThan(lastRealtime); // the vips overtook the queue
        assertThat(registry.get("ember.pool.shed")
                        .tag("priority", "realtime")
                        .counter()
                        .count())
                .isEqualTo(shed);
    }

    @Test
    void requestsWaitingForAColdStartDoNotMakeThePoolScaleOut() throws Exception {
        ModelFixtures.repo(repo).add("mlp", "mlp-tiny", 1, """
                        scaling: {target_concurrency: 10, max_workers: 3, stable_window_seconds: 6}
                        """);
        start(LocalPool.VersionHook.NONE);

        // ten requests at once, at zero: all wait for the one cold start (seconds: the spare is
        // still starting), then take microseconds. Counted while waiting, 10 in flight / 7 per
        // worker would ask for 2 workers.
        List<CompletableFuture<InferenceResponse>> burst = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            burst.add(pool.infer("mlp", null, request(i)));
        }
        for (CompletableFuture<InferenceResponse> f : burst) {
            f.get(60, TimeUnit.SECONDS);
        }
        Thread.sleep(1200); // the concurrency of the second they waited in has been sampled

        assertThat(pool.decideNow("mlp").desiredWorkers()).isEqualTo(1);
        assertThat(pool.readyWorkers("mlp")).isEqualTo(1);
    }

    @Test
    void sustainedConcurrentLoadScalesOut() throws Exception {
        ModelFixtures.repo(repo).add("mlp", "mlp-tiny", 1, """
                        max_queue_delay_ms: 20
                        scaling: {target_concurrency: 1, max_workers: 3, stable_window_seconds: 6}
                        """);
        start(LocalPool.VersionHook.NONE);
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> clients = new ArrayList<>();
        AtomicInteger failures = new AtomicInteger();
        for (int c = 0; c < 6; c++) {
            int seed = c;
            Thread t = new Thread(() -> {
                while (!stop.get()) {
                    try {
                        pool.infer("mlp", null, request(seed)).get(30, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        failures.incrementAndGet();
                    }
                }
            });
            t.start();
            clients.add(t);
        }
        try {
            awaitTrue(() -> pool.readyWorkers("mlp") >= 2, Duration.ofSeconds(30), "scale out under load");
        } finally {
            stop.set(true);
            for (Thread t : clients) {
                t.join();
            }
        }
        assertThat(failures.get()).isZero();
    }

    @Test
    void anIdleModelScalesToZeroAfterTheGracePeriodAndStopsCosting() throws Exception {
        ModelFixtures.repo(repo)
                .add("mlp", "mlp-tiny", 1, "scaling: {stable_window_seconds: 6, scale_to_zero_grace_seconds: 1}\n");
        start(LocalPool.VersionHook.NONE);
        pool.infer("mlp", null, request(2)).get(60, TimeUnit.SECONDS);
        assertThat(pool.readyWorkers("mlp")).isEqualTo(1);

        awaitTrue(() -> pool.readyWorkers("mlp") == 0, Duration.ofSeconds(30), "scale to zero when idle");
        Thread.sleep(1500); // the drained worker has stopped; nothing should be counting any more
        double cost = workerSeconds();
        Thread.sleep(2500);
        assertThat(workerSeconds()).as("worker-seconds at zero").isEqualTo(cost);

        // ...and it comes back on demand.
        assertThat(pool.infer("mlp", null, request(3)).get(60, TimeUnit.SECONDS).outputs())
                .hasSize(2);
    }

    @Test
    void aRequestWhoseWorkerIsKilledIsStillAnsweredAndTheWorkerReplaced() throws Exception {
        // Two warm workers; a batch window of 1.5 s keeps requests sitting in a worker.
        ModelFixtures.repo(repo).add("mlp", "mlp-tiny", 1, """
                        max_batch_size: 32
                        max_queue_delay_ms: 1500
                        scaling: {min_warm: 2, initial_scale: 2, max_workers: 2}
                        """);
        start(LocalPool.VersionHook.NONE);
        awaitTrue(() -> pool.readyWorkers("mlp") == 2, Duration.ofSeconds(60), "two warm workers");

        List<CompletableFuture<InferenceResponse>> calls = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            calls.add(pool.infer("mlp", null, request(10 + i)));
        }
        Thread.sleep(300); // they are queued in the workers now
        long killed = pool.workerPids("mlp").get(0);
        ProcessHandle.of(killed).orElseThrow().destroyForcibly(); // SIGKILL: a crash, not a stop

        for (CompletableFuture<InferenceResponse> c : calls) {
            assertThat(c.get(30, TimeUnit.SECONDS).outputs()).hasSize(2);
        }
        assertThat(registry.counter("ember.worker.crashes", "model", "mlp").count())
                .isEqualTo(1);
        awaitTrue(
                () -> pool.readyWorkers("mlp") == 2,
                Duration.ofSeconds(60),
                "the killed worker " + killed + " replaced");
    }

    @Test
    void aNewVersionIsRolledOutUnderLoadWithoutOneErrorAfterTheHookWarmedIt() throws Exception {
        ModelFixtures.repo(repo).add("mlp", "mlp-tiny", 1, "scaling: {min_warm: 1}\n");
        List<String> hookSaw = Collections.synchronizedList(new ArrayList<>());
        start((model, version, p) -> p.infer(model, version, request(99))
                .thenAccept(r -> hookSaw.add(model + " v" + version + " answered as v" + r.modelVersion())));
        pool.infer("mlp", null, request(0)).get(60, TimeUnit.SECONDS);

        Map<String, AtomicInteger> byVersion = new ConcurrentHashMap<>();
        List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < 3; c++) {
            Thread t = new Thread(() -> {
                while (!stop.get()) {
                    try {
                        InferenceResponse r =
                                pool.infer("mlp", null, request(5)).get(30, TimeUnit.SECONDS);
                        byVersion
                                .computeIfAbsent(r.modelVersion(), v -> new AtomicInteger())
                                .incrementAndGet();
                    } catch (Exception e) {
                        errors.add(e);
                    }
                }
            });
            t.start();
            clients.add(t);
        }
        Thread.sleep(500);
        ModelFixtures.repo(repo).add("mlp", "mlp-tiny", 2, "scaling: {min_warm: 1}\n");
        try {
            awaitTrue(() -> byVersion.containsKey("2"), Duration.ofSeconds(30), "version 2 serving");
            Thread.sleep(500);
        } finally {
            stop.set(true);
            for (Thread t : clients) {
                t.join();
            }
        }
        assertThat(errors).isEmpty();
        assertThat(hookSaw).containsExactly("mlp v2 answered as v2");
        int v1Before = byVersion.get("1").get();
        for (int i = 0; i < 10; i++) {
            assertThat(pool.infer("mlp", null, request(7))
                            .get(30, TimeUnit.SECONDS)
                            .modelVersion())
                    .isEqualTo("2");
        }
        assertThat(byVersion.get("1").get()).isEqualTo(v1Before);
    }

    @Test
    void aCanaryGetsItsShareOfTrafficUntilPromoted() throws Exception {
        String config = "canary_percent: 20\nscaling: {min_warm: 1}\n";
        ModelFixtures.repo(repo).add("mlp", "mlp-tiny", 1, config);
        start(LocalPool.VersionHook.NONE);
        pool.infer("mlp", null, request(0)).get(60, TimeUnit.SECONDS);
        ModelFixtures.repo(repo).add("mlp", "mlp-tiny", 2, config);
        pool.reload("mlp").get(60, TimeUnit.SECONDS);

        int canary = 0;
        int n = 500;
        for (int i = 0; i < n; i++) {
            if ("2"
                    .equals(pool.infer("mlp", null, request(i))
                            .get(30, TimeUnit.SECONDS)
                            .modelVersion())) {
                canary++;
            }
        }
        // 20% of 500 = 100, σ ≈ 8.9: ±4.5σ.
        assertThat(canary).isBetween(60, 140);

        pool.promote("mlp").get(30, TimeUnit.SECONDS);
        for (int i = 0; i < 20; i++) {
            assertThat(pool.infer("mlp", null, request(i))
                            .get(30, TimeUnit.SECONDS)
                            .modelVersion())
                    .isEqualTo("2");
        }
    }

    @Test
    void aVersionThatCannotLoadLeavesTheOldOneServingAndIsLoadedOnceItsFileIsFixed() throws Exception {
        ModelFixtures.repo(repo).add("mlp", "mlp-tiny", 1, "scaling: {min_warm: 1}\n");
        start(LocalPool.VersionHook.NONE);
        pool.infer("mlp", null, request(0)).get(60, TimeUnit.SECONDS);

        Path broken = Files.createDirectories(repo.resolve("mlp/2")).resolve("model.onnx");
        Files.write(broken, new byte[] {1, 2, 3, 4}); // not an ONNX model
        Thread.sleep(3_000); // settle (1 s) plus a few checks: each would try it again if it were retried blindly
        for (int i = 0; i < 10; i++) {
            assertThat(pool.infer("mlp", null, request(i))
                            .get(30, TimeUnit.SECONDS)
                            .modelVersion())
                    .isEqualTo("1");
        }
        long killed = pool.workerPids("mlp").get(0);
        ProcessHandle.of(killed).ifPresent(ProcessHandle::destroyForcibly);
        awaitTrue(
                () -> !pool.workerPids("mlp").isEmpty()
                        && !pool.workerPids("mlp").contains(killed),
                Duration.ofSeconds(60),
                "a replacement worker, on version 1 despite the broken version 2");
        assertThat(pool.infer("mlp", null, request(2)).get(30, TimeUnit.SECONDS).modelVersion())
                .isEqualTo("1");

        Path fixed = Files.createTempFile(repo.resolve("mlp"), "model", ".onnx");
        Files.copy(ModelFixtures.modelFile("mlp-tiny"), fixed, StandardCopyOption.REPLACE_EXISTING);
        Files.move(fixed, broken, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        awaitTrue(
                () -> "2".equals(pool.infer("mlp", null, request(1)).join().modelVersion()),
                Duration.ofSeconds(30),
                "the fixed version 2 serving");
    }

    @Test
    void aCanaryIsPromotedWhenTheModelsConfigStopsAskingForOne() throws Exception {
        ModelFixtures.repo(repo).add("mlp", "mlp-tiny", 1, "canary_percent: 50\nscaling: {min_warm: 1}\n");
        start(LocalPool.VersionHook.NONE);
        pool.infer("mlp", null, request(0)).get(60, TimeUnit.SECONDS);
        ModelFixtures.repo(repo).add("mlp", "mlp-tiny", 2, "canary_percent: 50\nscaling: {min_warm: 1}\n");
        awaitTrue(
                () -> "2".equals(pool.infer("mlp", null, request(1)).join().modelVersion()),
                Duration.ofSeconds(30),
                "the canary answering some requests");

        Files.writeString(repo.resolve("mlp/config.yaml"), "canary_percent: 0\nscaling: {min_warm: 1}\n");
        awaitTrue(
                () -> {
                    for (int i = 0; i < 20; i++) {
                        if (!"2"
                                .equals(pool.infer("mlp", null, request(i))
                                        .join()
                                        .modelVersion())) {
                            return false;
                        }
                    }
                    return true;
                },
                Duration.ofSeconds(30),
                "version 2 answering every request");
    }

    @Test
    void unknownModelsAreNotFound() {
        ModelFixtures.repo(repo).add("mlp", "mlp-tiny", 1, "scaling: {initial_scale: 0}\n");
        start(LocalPool.VersionHook.NONE);
        assertThat(pool.infer("nope", null, request(1)))
                .failsWithin(Duration.ofSeconds(5))
                .withThrowableOfType(Exception.class)
                .satisfies(
                        e -> assertThat(InferenceException.find(e).orElseThrow().reason())
                                .isEqualTo(InferenceException.Reason.NOT_FOUND));
    }

    private double workerSeconds() {
        return registry.counter("ember.worker.seconds", "model", "mlp").count();
    }

    private static void awaitTrue(BooleanSupplier condition, Duration timeout, String what)
            throws InterruptedException {
        long until = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > until) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(100);
        }
    }
}
