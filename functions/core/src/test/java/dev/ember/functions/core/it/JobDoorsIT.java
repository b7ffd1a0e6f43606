package dev.ember.functions.core.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ember.functions.core.GatewayAssembly;
import dev.ember.functions.core.GatewayConfig;
import dev.ember.functions.core.InferenceGateway;
import dev.ember.functions.core.http.FunctionsApi;
import dev.ember.functions.core.http.HttpCall;
import dev.ember.functions.core.http.HttpHeaders;
import dev.ember.functions.core.http.HttpReply;
import dev.ember.functions.core.jobs.JobEngine;
import dev.ember.functions.core.jobs.JobSettings;
import dev.ember.functions.core.redis.RedisFixture;
import dev.ember.functions.core.redis.RedisLink;
import dev.ember.functions.core.tenancy.Authenticator;
import dev.ember.functions.core.tenancy.TenantDirectory;
import dev.ember.pool.api.codec.InferenceCodec;
import dev.ember.pool.api.http.HttpPoolClient;
import dev.ember.pool.worker.WorkerProcess;
import dev.ember.pool.worker.it.ModelFixtures;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The async doors of {@link FunctionsApi} (every adapter's: Quarkus, Lambda) over a real engine, a
 * real worker and a real Redis, with authentication on: {@code Prefer: respond-async}, batches,
 * {@code GET /jobs/{id}}, and the statuses a client sees.
 */
class JobDoorsIT {
    private static final String TENANTS =
            """
            plans:
              pro: {rate_per_second: 1000, burst: 1000, max_priority: realtime}
            tenants:
              acme:
                plan: pro
                keys: ["%s"]
              globex:
                plan: pro
                keys: ["%s"]
                models: [embed-int64]
            """.formatted(TenantDirectory.hashKey("ek_acme"), TenantDirectory.hashKey("ek_globex"));

    @TempDir
    static Path repo;

    private static WorkerProcess worker;
    private InferenceGateway gateway;
    private JobEngine engine;
    private FunctionsApi api;
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

    private void start(long cap) {
        prefix = RedisFixture.uniquePrefix();
        RedisLink link = RedisLink.open(RedisFixture.url(), Duration.ofSeconds(2));
        gateway = GatewayAssembly.builder()
                .pool(new HttpPoolClient(worker.uri()))
                .redis(link)
                .authenticator(Authenticator.forDirectory(TenantDirectory.parse(TENANTS)))
                .config(GatewayConfig.DEFAULTS.withKeyPrefix(prefix))
                .meterRegistry(new SimpleMeterRegistry())
                .build();
        InferenceCodec codec = new InferenceCodec();
        engine = JobEngine.builder(gateway, codec)
                .redis(link)
                .settings(JobSettings.DEFAULTS.withKeyPrefix(prefix).withStreamCap(cap))
                .build();
        api = FunctionsApi.standard(gateway, codec, Runnable::run, 1 << 20)
                .jobs(engine)
                .build();
    }

    @AfterEach
    void stop() {
        engine.close();
        gateway.close();
        RedisFixture.deleteKeys(prefix);
    }

    private HttpReply call(String method, String path, Map<String, String> headers, String body) throws Exception {
        String[] parts = path.split("\\?", 2);
        Map<String, String> query = new HashMap<>();
        if (parts.length == 2) {
            for (String kv : parts[1].split("&")) {
                String[] p = kv.split("=", 2);
                query.put(p[0], p[1]);
            }
        }
        return api.handle(new HttpCall(
                        method,
                        parts[0],
                        query,
                        HttpHeaders.of(headers),
                        body == null ? null : body.getBytes(StandardCharsets.UTF_8)))
                .get(20, TimeUnit.SECONDS);
    }

    private static String text(HttpReply r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    private static Map<String, String> acme(String... more) {
        Map<String, String> h = new HashMap<>(Map.of("Authorization", "Bearer ek_acme", "Prefer", "respond-async"));
        for (int i = 0; i + 1 < more.length; i += 2) {
            h.put(more[i], more[i + 1]);
        }
        return h;
    }

    static String mlp(int seed) {
        StringBuilder data = new StringBuilder();
        for (int i = 0; i < 64; i++) {
            data.append(i == 0 ? "" : ",").append((seed * 64 + i) / 1000.0);
        }
        return "{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 64], \"datatype\": \"FP32\", \"data\": [" + data
                + "]}]}";
    }

    private static String id(HttpReply r) {
        Matcher m = Pattern.compile("\"id\":\"([0-9a-f.]+)\"").matcher(text(r));
        assertThat(m.find()).as(text(r)).isTrue();
        return m.group(1);
    }

    private HttpReply awaitStatus(String id, String status, Map<String, String> headers) throws Exception {
        long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            HttpReply r = call("GET", "/jobs/" + id, headers, null);
            String own = "{\"id\":\"" + id.split("\\?")[0] + "\",\"status\":\"" + status + "\"";
            if (text(r).startsWith(own) || System.nanoTime() > until) {
                return r;
            }
            Thread.sleep(20);
        }
    }

    @Test
    void preferRespondAsyncIsA202WithLocationThenTheResultAtThatLocation() throws Exception {
        start(1000);
        HttpReply accepted = call("POST", "/v2/models/mlp-tiny/infer", acme(), mlp(1));
        assertThat(accepted.status()).as(text(accepted)).isEqualTo(202);
        String id = id(accepted);
        assertThat(accepted.headers()).containsEntry("Location", "/jobs/" + id);
        assertThat(text(accepted)).isEqualTo("{\"id\":\"" + id + "\",\"status\":\"queued\"}");

        HttpReply queued = call("GET", "/jobs/" + id, acme(), null);
        assertThat(queued.status()).isEqualTo(200);
        assertThat(text(queued)).contains("\"status\":\"queued\"").contains("\"model\":\"mlp-tiny\"");

        engine.startConsumer("c1");
        HttpReply done = awaitStatus(id, "done", acme());
        assertThat(text(done))
                .contains("\"status\":\"done\"")
                .contains("\"response\":{\"model_name\":\"mlp-tiny\"")
                .contains("\"probabilities\"");
        // Another tenant cannot see it; without a key it is a 401
        assertThat(call("GET", "/jobs/" + id, Map.of("Authorization", "Bearer ek_globex"), null)
                        .status())
                .isEqualTo(404);
        assertThat(call("GET", "/jobs/" + id, Map.of(), null).status()).isEqualTo(401);
        assertThat(call("GET", "/jobs/0123", acme(), null).status()).isEqualTo(404);
    }

    @Test
    void withoutPreferTheSameRouteAnswersSynchronously() throws Exception {
        start(1000);
        HttpReply r = call("POST", "/v2/models/mlp-tiny/infer", Map.of("Authorization", "Bearer ek_acme"), mlp(2));
        assertThat(r.status()).isEqualTo(200);
        assertThat(text(r)).contains("\"outputs\"");
    }

    @Test
    void keysTenantsAndValidationAreCheckedAtSubmission() throws Exception {
        start(1000);
        assertThat(call("POST", "/v2/models/mlp-tiny/infer", Map.of("Prefer", "respond-async"), mlp(1))
                        .status())
                .isEqualTo(401);
        assertThat(call(
                                "POST",
                                "/v2/models/mlp-tiny/infer",
                                Map.of("Prefer", "respond-async", "X-Api-Key", "ek_globex"),
                                mlp(1))
                        .status())
                .isEqualTo(403);
        HttpReply bad = call("POST", "/v2/models/mlp-tiny/infer", acme(), mlp(1).replace("[1, 64]", "[1, 63]"));
        assertThat(bad.status()).isEqualTo(400);
        HttpReply callback =
                call("POST", "/v2/models/mlp-tiny/infer", acme("Ember-Callback", "http://10.0.0.1/hook"), mlp(1));
        assertThat(callback.status()).isEqualTo(400);
        assertThat(text(callback)).contains("EMBER_ASYNC_CALLBACK_ALLOW");
    }

    @Test
    void anIdempotencyKeyMakesTheResubmissionTheSameJob() throws Exception {
        start(1000);
        String first = id(call("POST", "/v2/models/mlp-tiny/infer", acme("Idempotency-Key", "k-1"), mlp(3)));
        HttpReply again = call("POST", "/v2/models/mlp-tiny/infer", acme("Idempotency-Key", "k-1"), mlp(3));
        assertThat(again.status()).isEqualTo(202);
        assertThat(id(again)).isEqualTo(first);
        assertThat(text(again)).contains("\"duplicate\":true");
    }

    @Test
    void pastTheCapA429WithRetryAfterAndNothingAccepted() throws Exception {
        start(3);
        for (int i = 0; i < 3; i++) {
            assertThat(call("POST", "/v2/models/mlp-tiny/infer", acme(), mlp(i)).status())
                    .isEqualTo(202);
        }
        HttpReply full = call("POST", "/v2/models/mlp-tiny/infer", acme(), mlp(9));
        assertThat(full.status()).isEqualTo(429);
        assertThat(full.headers()).containsKey("Retry-After");
        assertThat(text(full)).contains("queue is full");
    }

    @Test
    void aBatchInNdjsonOrAsAListHasProgressAndPagedResults() throws Exception {
        start(1000);
        StringBuilder ndjson = new StringBuilder();
        for (int i = 0; i < 7; i++) {
            ndjson.append(mlp(100 + i)).append('\n');
        }
        HttpReply accepted = call("POST", "/v2/models/mlp-tiny/batch", acme(), ndjson.toString());
        assertThat(accepted.status()).as(text(accepted)).isEqualTo(202);
        assertThat(text(accepted)).contains("\"total\":7");
        String id = id(accepted);
        HttpReply list = call("POST", "/v2/models/mlp-tiny/batch", acme(), "[" + mlp(200) + ", " + mlp(201) + "]");
        assertThat(text(list)).contains("\"total\":2");

        engine.startConsumer("c1");
        HttpReply page = awaitStatus(id + "?offset=0&limit=5", "done", acme());
        assertThat(text(page))
                .contains("\"total\":7,\"done\":7,\"failed\":0,\"offset\":0")
                .contains("\"id\":\"" + id + ".4\"")
                .doesNotContain("\"id\":\"" + id + ".5\"")
                .contains("\"next\":\"/jobs/" + id + "?offset=5&limit=5\"");
        HttpReply last = call("GET", "/jobs/" + id + "?offset=5&limit=5", acme(), null);
        assertThat(text(last)).contains("\"id\":\"" + id + ".6\"").doesNotContain("\"next\"");

        HttpReply bad = call("POST", "/v2/models/mlp-tiny/batch", acme(), mlp(1) + "\n{\"inputs\": 3}\n");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(text(bad)).contains("request 1 of the batch");
    }
}
