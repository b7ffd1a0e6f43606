package dev.ember.bench;

import dev.ember.functions.core.cache.CachedEntry;
import dev.ember.functions.core.cache.CachedEntryFormat;
import dev.ember.functions.core.redis.RedisLink;
import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.InferenceResponse;
import dev.ember.pool.api.Parameters;
import dev.ember.pool.api.Tensor;
import dev.ember.pool.api.codec.InferenceCodec;
import dev.ember.pool.worker.WorkerProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ember bench gateway}: in one run, (a) a Lettuce GET of a value the size of a cached
 * mlp-tiny answer at C concurrent callers — the Redis floor; (b) cache hits at the same
 * concurrency, beside a Funqy function that does nothing (the framework's own floor on this
 * machine): mlp-tiny through Funqy's {@code /infer} and through the v2 route, and a 1×3×32×32
 * ppocr-det image in JSON through the v2 route, all interleaved by {@link SideBySide}; (c) the
 * latency a miss adds over calling the worker directly, one call at a time, alternating the two
 * paths so drift hits both alike; (d) a 1×3×640×640 ppocr-det image on the miss path (cache off), 4
 * clients: straight to the worker in binary, through the functions in binary, and through the
 * functions in JSON, interleaved.
 */
@Command(name = "gateway", description = "Cache-hit path vs a bare Redis GET; miss overhead vs calling the worker.")
final class GatewayBench implements Callable<Integer> {
    @Mixin
    FunctionsBenchOptions setup;

    @Option(names = "--clients", defaultValue = "50")
    int clients;

    @Option(names = "--seconds", defaultValue = "5", description = "Measured seconds per phase and repetition")
    int seconds;

    @Option(names = "--repetitions", defaultValue = "3", description = "Interleaved repetitions, at least 3")
    int repetitions;

    @Option(
            names = "--warmup-seconds",
            defaultValue = "20",
            description =
                    "Unmeasured load on each path before the phases: the functions JVM needs ~15 s of traffic before"
                            + " its JIT settles (hits ran at 5.5k req/s in the first 8 s, 29k after 20 s, with wrk)")
    int warmupSeconds;

    @Option(
            names = "--settle-seconds",
            defaultValue = "2",
            description = "Unmeasured seconds at the start of each phase and repetition (default ${DEFAULT-VALUE})")
    int settleSeconds;

    @Option(names = "--image-clients", defaultValue = "4", description = "Clients of the 640x640 miss phases")
    int imageClients;

    @Option(
            names = "--image-seconds",
            defaultValue = "10",
            description = "Measured seconds per 640x640 phase and repetition (a request takes 0.1-1 s on CPU)")
    int imageSeconds;

    @Option(
            names = "--functions-jvm-options",
            defaultValue = "",
            description = "Extra JVM options of the functions process, e.g. -XX:StartFlightRecording=... to profile it")
    String functionsJvmOptions;

    private final AtomicLong unique = new AtomicLong(System.nanoTime());

    @Override
    public Integer call() throws Exception {
        Report.value("machine.cpus", Runtime.getRuntime().availableProcessors());
        Duration warm = Duration.ofSeconds(warmupSeconds);
        Duration measure = Duration.ofSeconds(seconds);
        Path repo = Files.createTempDirectory("ember-bench-gateway");
        Path dir = Files.createDirectories(repo.resolve("mlp-tiny").resolve("1"));
        Files.copy(setup.models.resolve("mlp-tiny/1/model.onnx"), dir.resolve("model.onnx"));
        Files.copy(setup.models.resolve("mlp-tiny/config.yaml"), repo.resolve("mlp-tiny/config.yaml"));
        serve(repo, "ppocr-det", "");
        // The same model with its cache off: the 640x640 phases measure the miss path.
        serve(repo, PPOCR_UNCACHED, "\ncache: {enabled: false}\n");
        String prefix = "bench:" + UUID.randomUUID().toString().substring(0, 8) + ":";

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
                                prefix),
                        List.of(functionsJvmOptions.isBlank() ? new String[0] : functionsJvmOptions.split("\\s+")),
                        Duration.ofSeconds(60));
                RedisLink redis = RedisLink.openOrFail(setup.redisUrl, Duration.ofSeconds(2));
                HttpLoad toFunctions = new HttpLoad(functions.uri(), clients);
                HttpLoad toWorker = new HttpLoad(worker.uri(), clients)) {

            // (a) the floor: GET of a value the size of a cached answer, same concurrency
            byte[] value = CachedEntryFormat.encode(
                    new CachedEntry(sampleAnswer(), Instant.now().plusSeconds(3600)));
            String key = prefix + "floor";
            redis.commands().orElseThrow().set(key, value).get();
            Report.note("redis GET floor, " + clients + " callers, " + value.length + "-byte value");
            java.util.function.Supplier<CompletableFuture<?>> get =
                    () -> redis.commands().orElseThrow().get(key).toCompletableFuture();
            HttpLoad.Call live = toFunctions.get("/live");
            byte[] hot = inferBody(1.0f).getBytes(StandardCharsets.UTF_8);
            HttpLoad.Call hit = toFunctions.postJson("/infer", hot);
            hit.send().get(); // the one miss that fills the cache
            HttpLoad.Call v2Hit = toFunctions.postJson("/v2/models/mlp-tiny/infer", v2Body(1.0f));
            v2Hit.send().get();
            HttpLoad.Call imageHit = toFunctions.postJson("/v2/models/ppocr-det/infer", imageJson(32, 0.25f));
            imageHit.send().get();

            // The JIT settles once per path; then (a) the Redis floor, (a') the framework's floor (a
            // Funqy function that does nothing, GET /live) and (b) cache hits through /infer take turns.
            Report.note("warming: Redis GET, GET /live, cache hits, " + warm.toSeconds() + " s each");
            ClosedLoopLoad.run(clients, Duration.ZERO, warm, get);
            toFunctions.run(live, clients, Duration.ZERO, warm);
            toFunctions.run(hit, clients, Duration.ZERO, warm);
            toFunctions.run(v2Hit, clients, Duration.ZERO, warm);
            toFunctions.run(imageHit, clients, Duration.ZERO, warm);
            Duration settle = Duration.ofSeconds(settleSeconds);
            Map<String, List<ClosedLoopLoad.Result>> runs = new java.util.LinkedHashMap<>();
            SideBySide side = new SideBySide()
                    .phase(
                            "redis_get",
                            () -> rps(runs, "redis_get", () -> ClosedLoopLoad.run(clients, settle, measure, get)))
                    .phase(
                            "funqy_floor",
                            () -> rps(runs, "funqy_floor", () -> toFunctions.run(live, clients, settle, measure)))
                    .phase("hit", () -> rps(runs, "hit", () -> toFunctions.run(hit, clients, settle, measure)))
                    .phase("v2_hit", () -> rps(runs, "v2_hit", () -> toFunctions.run(v2Hit, clients, settle, measure)))
                    .phase(
                            "image32_hit",
                            () -> rps(runs, "image32_hit", () -> toFunctions.run(imageHit, clients, settle, measure)))
                    .run(repetitions);
            for (String phase : runs.keySet()) {
                Report.value("gateway." + phase + "_rps", side.median(phase));
                Report.value("gateway." + phase + "_p50_ms", medianOf(runs.get(phase), ClosedLoopLoad.Result::p50Ms));
                Report.value("gateway." + phase + "_p99_ms", medianOf(runs.get(phase), ClosedLoopLoad.Result::p99Ms));
            }
            for (String phase : List.of("hit", "v2_hit", "image32_hit")) {
                Report.value("gateway." + phase + "_failed", medianOf(runs.get(phase), r -> r.failed()));
            }
            side.ratio("hit", "redis_get").report("gateway.hit_ratio_vs_redis");
            side.ratio("hit", "funqy_floor").report("gateway.hit_ratio_vs_funqy_floor");
            side.ratio("v2_hit", "funqy_floor").report("gateway.v2_hit_ratio_vs_funqy_floor");
            side.ratio("image32_hit", "funqy_floor").report("gateway.image32_hit_ratio_vs_funqy_floor");

            // (c) misses: every request new, one at a time, the two paths alternating
            HttpLoad.Call direct = toWorker.postJson("/v2/models/mlp-tiny/infer", () -> v2Body(next()));
            HttpLoad.Call viaGateway =
                    toFunctions.postJson("/infer", () -> inferBody(next()).getBytes(StandardCharsets.UTF_8));
            Report.note("misses, direct to the worker vs through /infer, 1 client");
            org.HdrHistogram.Histogram directLatency = new org.HdrHistogram.Histogram(3);
            org.HdrHistogram.Histogram gatewayLatency = new org.HdrHistogram.Histogram(3);
            for (long warmUntil = System.nanoTime() + warm.toNanos(); System.nanoTime() < warmUntil; ) {
                direct.send().get();
                viaGateway.send().get();
            }
            long until = System.nanoTime() + measure.toNanos();
            while (System.nanoTime() < until) {
                time(direct, directLatency);
                time(viaGateway, gatewayLatency);
            }
            double directP50 = directLatency.getValueAtPercentile(50) / 1000.0;
            double gatewayP50 = gatewayLatency.getValueAtPercentile(50) / 1000.0;
            Report.value("gateway.miss_direct_p50_ms", directP50);
            Report.value("gateway.miss_p50_ms", gatewayP50);
            Report.value("gateway.miss_overhead_p50_ms", gatewayP50 - directP50);
            Report.value("gateway.miss_samples", gatewayLatency.getTotalCount());

            images(toFunctions, toWorker, warm, Duration.ofSeconds(imageSeconds));
        }
        return 0;
    }

    /**
     * (d) A 1x3x640x640 FP32 image (4.9 MB in binary, ~12 MB as JSON text) on the miss path: the
     * same request straight to the worker and through the functions, both in binary, and through the
     * functions in JSON both ways; p50 latency at {@code imageClients} clients, interleaved.
     */
    private void images(HttpLoad toFunctions, HttpLoad toWorker, Duration warm, Duration measure) throws Exception {
        InferenceRequest image = InferenceRequest.of(imageTensor(640, 0.5f));
        String path = "/v2/models/" + PPOCR_UNCACHED + "/infer";
        HttpLoad.Call direct = toWorker.post(path, image);
        HttpLoad.Call binary = toFunctions.post(path, image);
        HttpLoad.Call json = toFunctions.postJson(path, imageJson(640, 0.5f));
        Report.note("640x640 misses, " + imageClients + " clients: worker binary, functions binary, functions JSON");
        Duration imageWarm = Duration.ofSeconds(Math.max(1, warm.toSeconds() / 4));
        for (HttpLoad.Call c : List.of(direct, binary, json)) {
            c.send().get();
            ClosedLoopLoad.run(imageClients, Duration.ZERO, imageWarm, c::send);
        }
        Map<String, List<ClosedLoopLoad.Result>> runs = new java.util.LinkedHashMap<>();
        Duration settle = Duration.ofSeconds(1);
        SideBySide side = new SideBySide()
                .phase("image640_direct", () -> p50(runs, "image640_direct", direct, settle, measure))
                .phase("image640_binary", () -> p50(runs, "image640_binary", binary, settle, measure))
                .phase("image640_json", () -> p50(runs, "image640_json", json, settle, measure))
                .run(repetitions);
        for (String phase : runs.keySet()) {
            Report.value("gateway." + phase + "_p50_ms", side.median(phase));
            Report.value("gateway." + phase + "_rps", medianOf(runs.get(phase), ClosedLoopLoad.Result::throughput));
            Report.value("gateway." + phase + "_failed", medianOf(runs.get(phase), r -> r.failed()));
        }
        side.ratio("image640_binary", "image640_direct").report("gateway.image640_miss_overhead_ratio");
        side.ratio("image640_json", "image640_binary").report("gateway.image640_json_vs_binary_p50_ratio");
    }

    private double p50(
            Map<String, List<ClosedLoopLoad.Result>> runs,
            String phase,
            HttpLoad.Call call,
            Duration settle,
            Duration measure) {
        try {
            ClosedLoopLoad.Result r = ClosedLoopLoad.run(imageClients, settle, measure, call::send);
            runs.computeIfAbsent(phase, k -> new java.util.ArrayList<>()).add(r);
            // No request both sent and answered inside the window: no figure (not a 0 ms one).
            return r.completed() == 0 ? Double.NaN : r.p50Ms();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static final String PPOCR_UNCACHED = "ppocr-det-uncached";

    /** Serves {@code models/<name>} from the bench's repository under {@code as}, config plus {@code extra}. */
    private void serve(Path repo, String as, String extra) throws java.io.IOException {
        Path dir = Files.createDirectories(repo.resolve(as).resolve("1"));
        Files.copy(setup.models.resolve("ppocr-det/1/model.onnx"), dir.resolve("model.onnx"));
        Files.writeString(
                repo.resolve(as).resolve("config.yaml"),
                Files.readString(setup.models.resolve("ppocr-det/config.yaml")) + extra);
    }

    /** A 1x3xNxN FP32 image of values derived from {@code seed}. */
    private static Tensor imageTensor(int side, float seed) {
        float[] pixels = new float[3 * side * side];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = ((i * 31 + (int) (seed * 1000)) % 255) / 255f - 0.5f;
        }
        return Tensor.ofFloats("x", new long[] {1, 3, side, side}, pixels);
    }

    /** The same image as a v2 JSON request, as a client without the binary extension sends it. */
    private static byte[] imageJson(int side, float seed) {
        return new InferenceCodec()
                .encodeRequest(InferenceRequest.of(imageTensor(side, seed)), false)
                .bytes();
    }

    private interface Phase {
        ClosedLoopLoad.Result run() throws InterruptedException;
    }

    private static double rps(Map<String, List<ClosedLoopLoad.Result>> runs, String phase, Phase p) {
        try {
            ClosedLoopLoad.Result r = p.run();
            runs.computeIfAbsent(phase, k -> new java.util.ArrayList<>()).add(r);
            return r.throughput();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static double medianOf(
            List<ClosedLoopLoad.Result> runs, java.util.function.ToDoubleFunction<ClosedLoopLoad.Result> figure) {
        return SideBySide.median(runs.stream().mapToDouble(figure).toArray());
    }

    private static void time(HttpLoad.Call call, org.HdrHistogram.Histogram into) throws Exception {
        long start = System.nanoTime();
        CompletableFuture<?> f = call.send();
        f.get();
        into.recordValue((System.nanoTime() - start) / 1000);
    }

    private float next() {
        return unique.incrementAndGet() % 1_000_000 / 1000f;
    }

    private static InferenceResponse sampleAnswer() {
        float[] eight = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f};
        return new InferenceResponse(
                "mlp-tiny",
                "1",
                null,
                Parameters.EMPTY,
                List.of(
                        Tensor.ofFloats("logits", new long[] {1, 8}, eight),
                        Tensor.ofFloats("probabilities", new long[] {1, 8}, eight)));
    }

    private static String inferBody(float seed) {
        return "{\"model\": \"mlp-tiny\", " + v2Inputs(seed) + "}";
    }

    private static byte[] v2Body(float seed) {
        return ("{" + v2Inputs(seed) + "}").getBytes(StandardCharsets.UTF_8);
    }

    private static String v2Inputs(float seed) {
        StringBuilder data = new StringBuilder();
        for (int i = 0; i < 64; i++) {
            data.append(i == 0 ? "" : ",").append(seed + i / 64f);
        }
        return "\"inputs\": [{\"name\": \"input\", \"shape\": [1, 64], \"datatype\": \"FP32\", \"data\": [" + data
                + "]}]";
    }
}
