package dev.ember.functions.core.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ember.functions.core.GatewayAssembly;
import dev.ember.functions.core.GatewayConfig;
import dev.ember.functions.core.GatewayRequest;
import dev.ember.functions.core.InferenceGateway;
import dev.ember.functions.core.redis.RedisFixture;
import dev.ember.functions.core.redis.RedisLink;
import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.InferenceResponse;
import dev.ember.pool.api.Tensor;
import dev.ember.pool.api.codec.InferenceCodec;
import dev.ember.pool.api.http.HttpPoolClient;
import dev.ember.pool.worker.WorkerProcess;
import dev.ember.pool.worker.it.ModelFixtures;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gateway against a real worker process and a real Redis. */
class GatewayIT {
    private static final AtomicInteger SEED = new AtomicInteger((int) (System.nanoTime() & 0xffff));

    @TempDir
    static Path repo;

    private static WorkerProcess worker;

    @BeforeAll
    static void startWorker() {
        ModelFixtures.repo(repo).addAsShipped("mlp-tiny");
        worker = WorkerProcess.start(repo, List.of("-Xmx512m"), List.of(), Duration.ofSeconds(60), false);
    }

    @AfterAll
    static void stopWorker() {
        worker.close();
    }

    private static InferenceGateway gateway(String redisUrl, String prefix) {
        return GatewayAssembly.builder()
                .pool(new HttpPoolClient(worker.uri()))
                .redis(RedisLink.open(redisUrl, Duration.ofMillis(200)))
                .config(GatewayConfig.DEFAULTS.withKeyPrefix(prefix))
                .meterRegistry(new SimpleMeterRegistry())
                .build();
    }

    @Test
    void identicalTensorsWrittenDifferentlyHitTheSameEntry() throws Exception {
        String prefix = RedisFixture.uniquePrefix();
        float seed = SEED.incrementAndGet();
        try (InferenceGateway gateway = gateway(RedisFixture.url(), prefix)) {
            String ints = json(seed, false);
            String floats = json(seed, true);
            double before = poolCalls();
            InferenceResponse first = infer(gateway, decode(ints));
            InferenceResponse second = infer(gateway, decode(floats));

            assertThat(cache(first)).isEqualTo("miss");
            assertThat(cache(second)).isEqualTo("hit");
            assertThat(second.output("probabilities").orElseThrow().toFloats())
                    .containsExactly(first.output("probabilities").orElseThrow().toFloats());
            assertThat(poolCalls() - before).isEqualTo(1);
        }
    }

    @Test
    void oneHundredConcurrentIdenticalMissesMakeExactlyOnePoolCall() throws Exception {
        try (InferenceGateway gateway = gateway(RedisFixture.url(), RedisFixture.uniquePrefix())) {
            InferenceRequest request = mlp(SEED.incrementAndGet());
            double before = poolCalls();
            List<CompletableFuture<InferenceResponse>> calls = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                calls.add(gateway.infer(new GatewayRequest(null, "mlp-tiny", null, request)));
            }
            Map<String, Integer> outcomes = new ConcurrentHashMap<>();
            for (CompletableFuture<InferenceResponse> c : calls) {
                outcomes.merge(cache(c.get(30, TimeUnit.SECONDS)), 1, Integer::sum);
            }
            assertThat(poolCalls() - before).isEqualTo(1);
            assertThat(outcomes).containsEntry("miss", 1).containsEntry("coalesced", 99);
        }
    }

    @Test
    void twoGatewayProcessesSharingRedisComputeAnAnswerOnce() throws Exception {
        String prefix = RedisFixture.uniquePrefix();
        try (InferenceGateway a = gateway(RedisFixture.url(), prefix);
                InferenceGateway b = gateway(RedisFixture.url(), prefix)) {
            InferenceRequest request = mlp(SEED.incrementAndGet());
            double before = poolCalls();
            List<CompletableFuture<InferenceResponse>> calls = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                calls.add((i % 2 == 0 ? a : b).infer(new GatewayRequest(null, "mlp-tiny", null, request)));
            }
            for (CompletableFuture<InferenceResponse> c : calls) {
                assertThat(c.get(30, TimeUnit.SECONDS).outputs()).hasSize(2);
            }
            // One gateway takes the fill lock and computes; the other waits for its fill.
            assertThat(poolCalls() - before).isEqualTo(1);
        }
    }

    @Test
    void redisGoingAwayNeverStopsServingAndTheCacheResumesWhenItReturns() throws Exception {
        RedisFixture.Server redis = RedisFixture.Server.start();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (InferenceGateway gateway = GatewayAssembly.builder()
                .pool(new HttpPoolClient(worker.uri()))
                .redis(RedisLink.open(redis.url(), Duration.ofMillis(200)))
                .nearCacheEntries(0) // every hit below must come from Redis itself
                .config(GatewayConfig.DEFAULTS.withKeyPrefix(RedisFixture.uniquePrefix()))
                .meterRegistry(registry)
                .build()) {
            InferenceRequest request = mlp(SEED.incrementAndGet());
            assertThat(cache(infer(gateway, request))).isEqualTo("miss");
            assertThat(cache(infer(gateway, request))).isEqualTo("hit");

            redis.stop();
            InferenceResponse withoutRedis = infer(gateway, mlp(SEED.incrementAndGet()));
            assertThat(cache(withoutRedis)).isEqualTo("miss");
            assertThat(withoutRedis.outputs()).hasSize(2);
            assertThat(registry.counter("ember.cache.bypassed").count()).isPositive();

            redis.restart(); // empty: the entry above is gone, but caching works again
            InferenceRequest after = mlp(SEED.incrementAndGet());
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            String outcome = "";
            while (!outcome.equals("hit") && System.nanoTime() < until) {
                infer(gateway, after);
                outcome = cache(infer(gateway, after));
                Thread.sleep(50);
            }
            assertThat(outcome).as("cache resumed after Redis restarted").isEqualTo("hit");
        } finally {
            redis.stop();
        }
    }

    @Test
    void redisAbsentFromTheStartStillServes() throws Exception {
        try (InferenceGateway gateway = gateway("redis://127.0.0.1:1", RedisFixture.uniquePrefix())) {
            InferenceResponse r = infer(gateway, mlp(SEED.incrementAndGet()));
            assertThat(cache(r)).isEqualTo("miss");
            assertThat(r.outputs()).hasSize(2);
        }
    }

    // ---- helpers ----

    static InferenceResponse infer(InferenceGateway gateway, InferenceRequest request) throws Exception {
        return gateway.infer(new GatewayRequest(null, "mlp-tiny", null, request))
                .get(30, TimeUnit.SECONDS);
    }

    static String cache(InferenceResponse r) {
        return (String) r.parameters().values().get("ember.cache");
    }

    static InferenceRequest mlp(float seed) {
        float[] v = new float[64];
        for (int i = 0; i < v.length; i++) {
            v[i] = seed + i;
        }
        return InferenceRequest.of(Tensor.ofFloats("input", new long[] {1, 64}, v));
    }

    /** mlp-tiny's input as JSON: integers, or the same values as floats in nested form. */
    static String json(float seed, boolean asFloats) {
        StringBuilder data = new StringBuilder(asFloats ? "[[" : "[");
        for (int i = 0; i < 64; i++) {
            if (i > 0) {
                data.append(", ");
            }
            int v = (int) seed + i;
            data.append(asFloats ? v + ".0" : Integer.toString(v));
        }
        data.append(asFloats ? "]]" : "]");
        return "{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 64], \"datatype\": \"FP32\", \"data\": " + data
                + "}]}";
    }

    static InferenceRequest decode(String json) {
        return new InferenceCodec().decodeRequest(json.getBytes(StandardCharsets.UTF_8), -1);
    }

    /** Inference calls the worker has answered for mlp-tiny (its own metrics). */
    static double poolCalls() throws Exception {
        return poolCalls(worker.uri());
    }

    static double poolCalls(URI workerUri) throws Exception {
        return requestsTotal(workerUri, "mlp-tiny");
    }

    /** Requests the worker answered for {@code model}, from its own metrics. */
    static double requestsTotal(URI workerUri, String model) throws Exception {
        HttpResponse<String> r = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .build()
                .send(
                        HttpRequest.newBuilder(workerUri.resolve("/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString());
        return r.body()
                .lines()
                .filter(l -> l.startsWith("ember_requests_total{model=\"" + model + "\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    static InferenceException failure(CompletableFuture<?> f) throws Exception {
        try {
            f.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return InferenceException.find(e).orElseThrow();
        }
        throw new AssertionError("expected a failure");
    }
}
