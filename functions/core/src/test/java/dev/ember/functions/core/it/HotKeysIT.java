package dev.ember.functions.core.it;

import static dev.ember.functions.core.it.GatewayIT.cache;
import static dev.ember.functions.core.it.GatewayIT.mlp;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ember.functions.core.GatewayAssembly;
import dev.ember.functions.core.GatewayConfig;
import dev.ember.functions.core.GatewayRequest;
import dev.ember.functions.core.InferenceGateway;
import dev.ember.functions.core.redis.RedisFixture;
import dev.ember.functions.core.redis.RedisLink;
import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.InferenceResponse;
import dev.ember.pool.api.http.HttpPoolClient;
import dev.ember.pool.worker.WorkerProcess;
import dev.ember.pool.worker.it.ModelFixtures;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A new model version starts with the old version's hot answers already in the cache. */
class HotKeysIT {
    @TempDir
    Path repo;

    @Test
    void theHottestRequestsAreComputedAgainstANewVersionBeforeItTakesTraffic() throws Exception {
        ModelFixtures.repo(repo).add("mlp", "mlp-tiny", 1, "max_queue_delay_ms: 0\n");
        WorkerProcess worker = WorkerProcess.start(repo, List.of("-Xmx512m"), List.of(), Duration.ofSeconds(60), false);
        try (HttpPoolClient control = new HttpPoolClient(worker.uri());
                InferenceGateway gateway = GatewayAssembly.builder()
                        .pool(new HttpPoolClient(worker.uri()))
                        .redis(RedisLink.open(RedisFixture.url(), Duration.ofMillis(200)))
                        .hotKeySampleRate(1.0)
                        .nearCacheEntries(0)
                        .config(new GatewayConfig(
                                RedisFixture.uniquePrefix(),
                                1 << 20,
                                Duration.ofMillis(200), // the catalog learns of the switch quickly
                                Duration.ofSeconds(30),
                                Duration.ofSeconds(10),
                                Duration.ofSeconds(5),
                                2,
                                50,
                                20,
                                Duration.ofSeconds(5)))
                        .build()) {
            InferenceRequest hottest = mlp(7001);
            InferenceRequest warm = mlp(7002);
            InferenceRequest cold = mlp(7003);
            ask(gateway, hottest, 5);
            ask(gateway, warm, 3);
            ask(gateway, cold, 1);

            ModelFixtures.repo(repo).add("mlp", "mlp-tiny", 2, "max_queue_delay_ms: 0\n");
            control.loadModel("mlp", true).get(60, TimeUnit.SECONDS); // v2 warm, answering only by name
            int warmed = gateway.warmHotKeys("mlp", "2", control, 2).get(60, TimeUnit.SECONDS);
            assertThat(warmed).isEqualTo(2);
            control.promote("mlp").get(30, TimeUnit.SECONDS);

            double callsBefore = poolCalls(worker);
            Thread.sleep(300); // past the catalog's refresh interval
            gateway.infer(new GatewayRequest(null, "mlp", null, cold))
                    .get(30, TimeUnit.SECONDS); // triggers the refresh
            Thread.sleep(100);
            InferenceResponse hot = gateway.infer(new GatewayRequest(null, "mlp", null, hottest))
                    .get(30, TimeUnit.SECONDS);
            InferenceResponse second =
                    gateway.infer(new GatewayRequest(null, "mlp", null, warm)).get(30, TimeUnit.SECONDS);

            assertThat(cache(hot)).isEqualTo("hit");
            assertThat(hot.modelVersion()).isEqualTo("2");
            assertThat(cache(second)).isEqualTo("hit");
            // Only the cold request reached the pool after the switch.
            assertThat(poolCalls(worker) - callsBefore).isLessThanOrEqualTo(1);
        } finally {
            worker.close();
        }
    }

    @Test
    void aMissAcrossAVersionSwitchIsCachedUnderTheVersionThatComputedIt() throws Exception {
        ModelFixtures.repo(repo).add("mlp", "mlp-tiny", 1, "max_queue_delay_ms: 0\n");
        WorkerProcess worker = WorkerProcess.start(repo, List.of("-Xmx512m"), List.of(), Duration.ofSeconds(60), false);
        try (HttpPoolClient control = new HttpPoolClient(worker.uri());
                InferenceGateway gateway = GatewayAssembly.builder()
                        .pool(new HttpPoolClient(worker.uri()))
                        .redis(RedisLink.open(RedisFixture.url(), Duration.ofMillis(200)))
                        .nearCacheEntries(0)
                        .config(GatewayConfig.DEFAULTS.withKeyPrefix(RedisFixture.uniquePrefix()))
                        .build()) {
            gateway.infer(new GatewayRequest(null, "mlp", null, mlp(1))).get(30, TimeUnit.SECONDS); // catalog: v1
            ModelFixtures.repo(repo).add("mlp", "mlp-tiny", 2, "max_queue_delay_ms: 0\n");
            control.loadModel("mlp", false).get(60, TimeUnit.SECONDS); // v2 serves, v1 retired

            // The catalog still believes in v1 (5 s TTL): the request must not be sent to v1.
            InferenceResponse r =
                    gateway.infer(new GatewayRequest(null, "mlp", null, mlp(2))).get(30, TimeUnit.SECONDS);
            assertThat(r.modelVersion()).isEqualTo("2");
            assertThat(cache(r)).isEqualTo("miss");
        } finally {
            worker.close();
        }
    }

    private static void ask(InferenceGateway gateway, InferenceRequest request, int times) throws Exception {
        for (int i = 0; i < times; i++) {
            gateway.infer(new GatewayRequest(null, "mlp", null, request)).get(30, TimeUnit.SECONDS);
        }
    }

    /** Requests the worker has answered for model "mlp", from its own metrics. */
    private static double poolCalls(WorkerProcess worker) throws Exception {
        return GatewayIT.requestsTotal(worker.uri(), "mlp");
    }
}
