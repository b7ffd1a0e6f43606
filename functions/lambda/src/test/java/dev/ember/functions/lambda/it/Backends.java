package dev.ember.functions.lambda.it;

import dev.ember.functions.core.redis.RedisFixture;
import dev.ember.pool.worker.WorkerProcess;
import dev.ember.pool.worker.it.ModelFixtures;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the handlers under test talk to, real: one worker process (mlp-tiny and masked-sum) on
 * loopback, started once for the test JVM and stopped at its exit, Redis ({@link RedisFixture}),
 * and the tenants file {@code tenants-it.yaml}.
 */
final class Backends {
    static final String ACME = "ek_test_acme"; // every model
    static final String GLOBEX = "ek_test_globex"; // masked-sum only

    private static WorkerProcess worker;
    private static Path dir;

    private Backends() {}

    static synchronized WorkerProcess worker() {
        if (worker == null) {
            try {
                dir = Files.createTempDirectory("ember-lambda-it");
                ModelFixtures.repo(dir.resolve("models"))
                        .addAsShipped("mlp-tiny")
                        .addAsShipped("masked-sum");
                worker = WorkerProcess.start(
                        dir.resolve("models"), List.of("-Xmx256m"), List.of(), Duration.ofSeconds(60), false);
                Runtime.getRuntime().addShutdownHook(new Thread(worker::close));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return worker;
    }

    /** A model repository of the test's own (for the in-process pool): mlp-tiny and masked-sum. */
    static Path models(Path where) {
        ModelFixtures.repo(where).addAsShipped("mlp-tiny").addAsShipped("masked-sum");
        return where;
    }

    static Path tenantsFile(Path where) {
        try (InputStream in = Backends.class.getResourceAsStream("/tenants-it.yaml")) {
            Path file = where.resolve("tenants.yaml");
            Files.copy(in, file);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The function's environment, as application.properties names it: remote pool, Redis, tenants. */
    static Map<String, Object> remote(Path tenants, String keyPrefix) {
        Map<String, Object> p = new HashMap<>();
        p.put("ember.pool.url", worker().uri().toString());
        p.put("ember.redis.url", RedisFixture.url());
        p.put("ember.redis.key-prefix", keyPrefix);
        p.put("ember.tenants.file", tenants.toString());
        return p;
    }
}
