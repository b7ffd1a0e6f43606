package dev.ember.bench;

import dev.ember.functions.core.jobs.JobKeys;
import dev.ember.functions.core.redis.RedisLink;
import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.Tensor;
import dev.ember.pool.api.codec.InferenceCodec;
import dev.ember.pool.worker.WorkerProcess;
import io.lettuce.core.KeyValue;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ember bench async}: sustained async throughput against the synchronous path on the same
 * models, machine and functions process, interleaved ({@link SideBySide}): for mlp-tiny and for a
 * 1×3×64×64 ppocr-det image, (a) {@code --clients} synchronous callers on {@code POST
 * /v2/models/{m}/infer}, (b) async submissions ({@code Prefer: respond-async}) kept at {@code
 * --outstanding} jobs accepted and unfinished, run by the functions' in-process consumer. Every
 * request computes (the bench's copies of the models have their cache off). Async throughput is
 * jobs finished per second (the engine's finished counter in Redis); submission latency is the
 * 202's; end to end is each job's record, submission to result stored. No completion events are
 * sent (no sink), so delivery is not measured.
 */
@Command(name = "async", description = "Async jobs (Redis Streams) vs the synchronous path, same models and machine.")
final class AsyncBench implements Callable<Integer> {
    @Mixin
    FunctionsBenchOptions setup;

    @Option(
            names = "--clients",
            defaultValue = "32",
            description = "Synchronous callers, and async submitters' target concurrency at the pool")
    int clients;

    @Option(names = "--outstanding", defaultValue = "64", description = "Async jobs kept accepted and unfinished")
    int outstanding;

    @Option(names = "--submitters", defaultValue = "8", description = "Async submission connections")
    int submitters;

    @Option(names = "--seconds", defaultValue = "5", description = "Measured seconds per phase and repetition")
    int seconds;

    @Option(names = "--warmup-seconds", defaultValue = "10", description = "Unmeasured load on each path first")
    int warmupSeconds;

    @Option(names = "--repetitions", defaultValue = "3", description = "Interleaved repetitions, at least 3")
    int repetitions;

    @Override
    public Integer call() throws Exception {
        Report.value("machine.cpus", Runtime.getRuntime().availableProcessors());
        Path repo = Files.createTempDirectory("ember-bench-async");
        copy("mlp-tiny", repo);
        copy("ppocr-det", repo);
        String prefix = "bench:" + UUID.randomUUID().toString().substring(0, 8) + ":";
        JobKeys keys = new JobKeys(prefix);
        Duration warm = Duration.ofSeconds(warmupSeconds);
        Duration measure = Duration.ofSeconds(seconds);
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
        try (WorkerProcess worker =
                        WorkerProcess.start(repo, List.of("-Xmx512m"), List.of(), Duration.ofSeconds(60), false);
                FunctionsProcess functions = FunctionsProcess.start(
                        setup.functionsJar,
                        Map.of(
                                "POOL_URL",
                                worker.uri().toString(),
                                "REDIS_URL",
                                setup.redisUrl,
                                "EMBER_REDIS_KEY_PREFIX",
                                prefix,
                                "EMBER_ASYNC_CONSUMERS",
                                "1",
                                "EMBER_ASYNC_CONCURRENCY",
                                Integer.toString(clients)),
                        Duration.ofSeconds(60));
                RedisLink redis = RedisLink.openOrFail(setup.redisUrl, Duration.ofSeconds(5));
                HttpLoad sync = new HttpLoad(functions.uri(), clients)) {
            HttpClient http = vertx.createHttpClient(
                    new HttpClientOptions()
                            .setDefaultHost(functions.uri().getHost())
                            .setDefaultPort(functions.uri().getPort())
                            .setKeepAlive(true)
                            .setTcpNoDelay(true),
                    new PoolOptions().setHttp1MaxSize(submitters));
            Map<String, byte[]> bodies = new LinkedHashMap<>();
            bodies.put("mlp-tiny", mlp());
            bodies.put("ppocr-det", image64());
            Map<String, List<Histogram>> submitLatency = new LinkedHashMap<>();
            Map<String, List<double[]>> e2e = new LinkedHashMap<>();
            SideBySide side = new SideBySide();
            for (Map.Entry<String, byte[]> m : bodies.entrySet()) {
                String model = m.getKey();
                String path = "/v2/models/" + model + "/infer";
                HttpLoad.Call syncCall = sync.postJson(path, m.getValue());
                Report.note("warming " + model + ": sync and async, " + warm.toSeconds() + " s each");
                sync.run(syncCall, clients, Duration.ZERO, warm);
                asyncPhase(http, redis, keys, path, m.getValue(), warm, null, null);
                side.phase(
                        model + ".sync", () -> rate(() -> sync.run(syncCall, clients, Duration.ofSeconds(1), measure)));
                side.phase(model + ".async", () -> {
                    Histogram submit = new Histogram(3);
                    double[] latencies = new double[2];
                    double rate = asyncPhase(http, redis, keys, path, m.getValue(), measure, submit, latencies);
                    submitLatency.computeIfAbsent(model, k -> new ArrayList<>()).add(submit);
                    e2e.computeIfAbsent(model, k -> new ArrayList<>()).add(latencies);
                    return rate;
                });
            }
            side.run(repetitions);
            double worst = Double.MAX_VALUE;
            String worstModel = null;
            for (String model : bodies.keySet()) {
                String k = "async." + model;
                Report.value(k + ".sync_rps", side.median(model + ".sync"));
                Report.value(k + ".jobs_per_s", side.median(model + ".async"));
                SideBySide.Ratio ratio = side.ratio(model + ".async", model + ".sync");
                ratio.report(k + ".ratio_vs_sync");
                Report.value(
                        k + ".submit_p99_ms",
                        median(submitLatency.get(model), h -> h.getValueAtPercentile(99) / 1000.0));
                Report.value(
                        k + ".e2e_p50_ms",
                        SideBySide.median(
                                e2e.get(model).stream().mapToDouble(a -> a[0]).toArray()));
                Report.value(
                        k + ".e2e_p99_ms",
                        SideBySide.median(
                                e2e.get(model).stream().mapToDouble(a -> a[1]).toArray()));
                if (ratio.median() < worst) {
                    worst = ratio.median();
                    worstModel = model;
                }
            }
            // The headline figures are the worse model's (the one further from the target).
            String k = "async." + worstModel;
            Report.value("async.model", worstModel);
            Report.value("async.jobs_per_s", side.median(worstModel + ".async"));
            Report.value("async.ratio_vs_sync", worst);
            Report.value(
                    "async.submit_p99_ms",
                    median(submitLatency.get(worstModel), h -> h.getValueAtPercentile(99) / 1000.0));
            Report.value(
                    "async.e2e_p50_ms",
                    SideBySide.median(
                            e2e.get(worstModel).stream().mapToDouble(a -> a[0]).toArray()));
            Report.value(
                    "async.e2e_p99_ms",
                    SideBySide.median(
                            e2e.get(worstModel).stream().mapToDouble(a -> a[1]).toArray()));
            Report.note("per-model figures above under " + k.replace(worstModel, "<model>"));
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            // after the functions stopped: their consumer would make its groups again
            try (RedisLink redis = RedisLink.openOrFail(setup.redisUrl, Duration.ofSeconds(5))) {
                deleteKeys(redis, prefix);
            }
        }
        return 0;
    }

    /**
     * Async jobs for {@code length}: {@code submitters} connections submit as long as fewer than
     * {@code outstanding} jobs are unfinished (a poller of the finished counter frees a slot per
     * finished job). Returns jobs finished per second over the window; fills {@code submit} with
     * the 202s' latency and {@code e2e} with the p50 and p99 (ms) of submission → result stored.
     */
    private double asyncPhase(
            HttpClient http,
            RedisLink redis,
            JobKeys keys,
            String path,
            byte[] body,
            Duration length,
            Histogram submit,
            double[] e2e) {
        RedisAsyncCommands<String, byte[]> r = redis.commands().orElseThrow();
        String finishedKey = keys.finished(dev.ember.functions.core.jobs.JobClass.ASYNC);
        Semaphore slots = new Semaphore(outstanding);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong submitted = new AtomicLong();
        List<String> ids = java.util.Collections.synchronizedList(new ArrayList<>());
        Recorder latency = new Recorder(3);
        long startFinished = counter(r, finishedKey);
        Thread poller = new Thread(() -> {
            long seen = startFinished;
            while (running.get() || slots.availablePermits() < outstanding) {
                long now = counter(r, finishedKey);
                if (now > seen) {
                    slots.release((int) Math.min(now - seen, outstanding - slots.availablePermits()));
                    seen = now;
                }
                sleep(2);
            }
        });
        poller.start();
        long start = System.nanoTime();
        long stopAt = start + length.toNanos();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < submitters; i++) {
            Thread t = new Thread(() -> {
                while (System.nanoTime() < stopAt) {
                    try {
                        if (!slots.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                            continue;
                        }
                        long sent = System.nanoTime();
                        String id = post(http, path, body).get(30, TimeUnit.SECONDS);
                        latency.recordValue((System.nanoTime() - sent) / 1000);
                        submitted.incrementAndGet();
                        ids.add(id);
                    } catch (Exception e) {
                        slots.release();
                        sleep(5);
                    }
                }
            });
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            join(t);
        }
        long finishedAtStop = counter(r, finishedKey);
        double elapsed = (System.nanoTime() - start) / 1e9;
        running.set(false);
        join(poller); // every accepted job finished
        double rate = (finishedAtStop - startFinished) / elapsed;
        if (submit != null) {
            submit.add(latency.getIntervalHistogram());
            Histogram endToEnd = endToEnd(r, keys, ids);
            e2e[0] = endToEnd.getValueAtPercentile(50) / 1000.0;
            e2e[1] = endToEnd.getValueAtPercentile(99) / 1000.0;
        }
        for (String id : ids) {
            r.del(keys.job(id));
        }
        return rate;
    }

    /** Each job's submitted → finished, in µs, from its record. */
    private static Histogram endToEnd(RedisAsyncCommands<String, byte[]> r, JobKeys keys, List<String> ids) {
        Histogram h = new Histogram(3);
        List<CompletableFuture<List<KeyValue<String, byte[]>>>> all = new ArrayList<>();
        synchronized (ids) {
            for (String id : ids) {
                all.add(r.hmget(keys.job(id), "submitted", "finished").toCompletableFuture());
            }
        }
        for (CompletableFuture<List<KeyValue<String, byte[]>>> f : all) {
            List<KeyValue<String, byte[]>> v = f.join();
            if (v.get(0).hasValue() && v.get(1).hasValue()) {
                long ms = Long.parseLong(text(v.get(1).getValue()))
                        - Long.parseLong(text(v.get(0).getValue()));
                h.recordValue(Math.max(0, ms) * 1000);
            }
        }
        return h;
    }

    private static CompletableFuture<String> post(HttpClient http, String path, byte[] body) {
        CompletableFuture<String> done = new CompletableFuture<>();
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setURI(path)
                .putHeader("Content-Type", "application/json")
                .putHeader("Prefer", "respond-async")
                .setTimeout(30_000);
        http.request(options)
                .compose(req -> req.send(Buffer.buffer(body)))
                .compose(resp -> resp.body()
                        .compose(b -> resp.statusCode() == 202
                                ? Future.succeededFuture(b.toString(StandardCharsets.UTF_8))
                                : Future.failedFuture(resp.statusCode() + " " + b)))
                .onComplete(ar -> {
                    if (ar.succeeded()) {
                        String json = ar.result();
                        int at = json.indexOf("\"id\":\"") + 6;
                        done.complete(json.substring(at, json.indexOf('"', at)));
                    } else {
                        done.completeExceptionally(ar.cause());
                    }
                });
        return done;
    }

    private interface Phase {
        ClosedLoopLoad.Result run() throws InterruptedException;
    }

    private static double rate(Phase p) {
        try {
            return p.run().throughput();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static double median(List<Histogram> hs, java.util.function.ToDoubleFunction<Histogram> f) {
        return SideBySide.median(hs.stream().mapToDouble(f).toArray());
    }

    private void copy(String model, Path repo) throws java.io.IOException {
        Path dir = Files.createDirectories(repo.resolve(model).resolve("1"));
        Files.copy(setup.models.resolve(model + "/1/model.onnx"), dir.resolve("model.onnx"));
        // Every request computes, on both paths: the bench measures the queue, not the cache.
        Files.writeString(
                repo.resolve(model).resolve("config.yaml"),
                Files.readString(setup.models.resolve(model + "/config.yaml")) + "\ncache: {enabled: false}\n");
    }

    private static byte[] mlp() {
        float[] v = new float[64];
        for (int i = 0; i < v.length; i++) {
            v[i] = i / 64f;
        }
        return json(InferenceRequest.of(Tensor.ofFloats("input", new long[] {1, 64}, v)));
    }

    private static byte[] image64() {
        float[] pixels = new float[3 * 64 * 64];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = ((i * 31) % 255) / 255f - 0.5f;
        }
        return json(InferenceRequest.of(Tensor.ofFloats("x", new long[] {1, 3, 64, 64}, pixels)));
    }

    private static byte[] json(InferenceRequest r) {
        return new InferenceCodec().encodeRequest(r, false).bytes();
    }

    private static long counter(RedisAsyncCommands<String, byte[]> r, String key) {
        try {
            byte[] v = r.get(key).get(5, TimeUnit.SECONDS);
            return v == null ? 0 : Long.parseLong(text(v));
        } catch (Exception e) {
            return 0;
        }
    }

    private static void deleteKeys(RedisLink redis, String prefix) throws Exception {
        RedisAsyncCommands<String, byte[]> r = redis.commands().orElseThrow();
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            var page = r.scan(cursor, ScanArgs.Builder.matches(prefix + "*").limit(1000))
                    .get(10, TimeUnit.SECONDS);
            if (!page.getKeys().isEmpty()) {
                r.del(page.getKeys().toArray(String[]::new)).get(10, TimeUnit.SECONDS);
            }
            cursor = page;
        } while (!cursor.isFinished());
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
