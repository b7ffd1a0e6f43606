package dev.ember.functions.knative.it;

import dev.ember.functions.core.jobs.LoopbackSink;
import dev.ember.functions.core.redis.RedisFixture;
import dev.ember.pool.worker.WorkerProcess;
import dev.ember.pool.worker.it.ModelFixtures;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the app under test talks to, real: a worker process serving mlp-tiny, masked-sum and
 * embed-int64, and
 * Redis ({@link RedisFixture}) under a key prefix of this run's own. The body cap is small, so a
 * test can exceed it cheaply.
 *
 * <p>Arguments: {@code tenants} names a tenants file on the test classpath (authentication on);
 * {@code redis=absent} points the app at a port where no Redis answers; {@code async=sink} sends
 * completion events to a {@link LoopbackSink} in the test's JVM ({@link #sink()}) and allows
 * callbacks to loopback.
 */
public final class PoolAndRedis implements QuarkusTestResourceLifecycleManager {
    static final long MAX_BODY_BYTES = 64 * 1024;
    private static volatile URI workerUri;

    private static volatile LoopbackSink sink;

    private String tenants;
    private boolean redisAbsent;
    private boolean asyncSink;
    private Path dir;
    private WorkerProcess worker;

    /** The worker's own v2 endpoint, to compare the function's answers with. */
    static URI workerUri() {
        return workerUri;
    }

    private static volatile int managementPort;

    /** The app's management interface (health, metrics), on a port of its own. */
    static io.restassured.specification.RequestSpecification management() {
        return io.restassured.RestAssured.given().port(managementPort);
    }

    @Override
    public void init(Map<String, String> args) {
        tenants = args.get("tenants");
        redisAbsent = "absent".equals(args.get("redis"));
        asyncSink = "sink".equals(args.get("async"));
    }

    /** The completion events' sink, with {@code async=sink}. */
    static LoopbackSink sink() {
        return sink;
    }

    private static volatile String keyPrefix;

    /** The app's Redis key prefix. */
    static String keyPrefix() {
        return keyPrefix;
    }

    @Override
    public Map<String, String> start() {
        try {
            dir = Files.createTempDirectory("ember-knative-it");
            ModelFixtures.repo(dir.resolve("models"))
                    .addAsShipped("mlp-tiny")
                    .addAsShipped("masked-sum")
                    // A queue delay long enough that concurrent requests certainly share batches.
                    .add("embed-int64", "embed-int64", 1, "max_batch_size: 16\nmax_queue_delay_ms: 20\n");
            worker = WorkerProcess.start(
                    dir.resolve("models"), List.of("-Xmx256m"), List.of(), Duration.ofSeconds(60), false);
            workerUri = worker.uri();
            Map<String, String> config = new HashMap<>();
            config.put("ember.pool.url", worker.uri().toString());
            config.put("ember.redis.url", redisAbsent ? "redis://127.0.0.1:" + closedPort() : RedisFixture.url());
            keyPrefix = RedisFixture.uniquePrefix();
            config.put("ember.redis.key-prefix", keyPrefix);
            if (asyncSink) {
                sink = new LoopbackSink();
                config.put("ember.async.sink", sink.uri().toString());
                config.put("ember.async.callback-allow", "http://127.0.0.1:");
            }
            config.put("ember.limits.max-body-bytes", Long.toString(MAX_BODY_BYTES));
            managementPort = closedPort();
            config.put("quarkus.management.port", Integer.toString(managementPort));
            config.put("quarkus.management.test-port", Integer.toString(managementPort));
            if (tenants != null) {
                Path file = dir.resolve("tenants.yaml");
                try (InputStream in = PoolAndRedis.class.getResourceAsStream("/" + tenants)) {
                    Files.copy(in, file);
                }
                config.put("ember.tenants.file", file.toString());
            }
            return config;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        if (worker != null) {
            worker.close();
        }
        if (sink != null) {
            sink.close();
        }
        if (!redisAbsent && keyPrefix != null) {
            RedisFixture.deleteKeys(keyPrefix);
        }
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
