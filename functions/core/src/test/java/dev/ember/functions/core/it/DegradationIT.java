package dev.ember.functions.core.it;

import static dev.ember.functions.core.it.GatewayIT.cache;
import static dev.ember.functions.core.it.GatewayIT.failure;
import static dev.ember.functions.core.it.GatewayIT.mlp;
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
import dev.ember.pool.api.http.HttpPoolClient;
import dev.ember.pool.worker.WorkerProcess;
import dev.ember.pool.worker.it.ModelFixtures;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The degradation ladder with a pool that really goes down (its worker process is killed). */
class DegradationIT {
    @TempDir
    Path repo;

    @Test
    void whenThePoolDiesAStaleAnswerIsServedThenA503WithRetryAfterWhenNothingIsCached() throws Exception {
        // Answers are fresh for 1 s and kept for an hour.
        ModelFixtures.repo(repo).add("mlp-tiny", "mlp-tiny", 1, "cache: {ttl_seconds: 1, stale_ttl_seconds: 3600}\n");
        WorkerProcess worker = WorkerProcess.start(repo, List.of("-Xmx512m"), List.of(), Duration.ofSeconds(60), false);
        try (InferenceGateway gateway = GatewayAssembly.builder()
                .pool(new HttpPoolClient(worker.uri()))
                .redis(RedisLink.open(RedisFixture.url(), Duration.ofMillis(200)))
                .config(GatewayConfig.DEFAULTS
                        .withKeyPrefix(RedisFixture.uniquePrefix())
                        .withBreaker(50, 4, Duration.ofSeconds(7)))
                .build()) {
            InferenceRequest cached = mlp(41);
            InferenceResponse fresh = GatewayIT.infer(gateway, cached);
            assertThat(cache(fresh)).isEqualTo("miss");
            Thread.sleep(1100); // the answer is no longer fresh, only stale

            worker.kill();

            InferenceResponse stale = GatewayIT.infer(gateway, cached);
            assertThat(cache(stale)).isEqualTo("stale");
            assertThat(stale.output("probabilities").orElseThrow().toFloats())
                    .containsExactly(fresh.output("probabilities").orElseThrow().toFloats());

            long start = System.nanoTime();
            InferenceException none = failure(gateway.infer(new GatewayRequest(null, "mlp-tiny", null, mlp(42))));
            assertThat(none.reason()).isEqualTo(InferenceException.Reason.UNAVAILABLE);
            assertThat(none.retryAfter()).isPresent();
            assertThat(none.getMessage()).contains("no earlier answer is cached");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));

            // Repeated failures open the circuit: answers stop waiting on a dead pool at all.
            for (int i = 0; i < 4; i++) {
                failure(gateway.infer(new GatewayRequest(null, "mlp-tiny", null, mlp(100 + i))));
            }
            InferenceException open = failure(gateway.infer(new GatewayRequest(null, "mlp-tiny", null, mlp(200))));
            assertThat(open.getMessage()).contains("circuit open");
            assertThat(open.retryAfter()).contains(Duration.ofSeconds(7));
            // ...while the stale answer is still served.
            assertThat(cache(gateway.infer(new GatewayRequest(null, "mlp-tiny", null, cached))
                            .get(10, TimeUnit.SECONDS)))
                    .isEqualTo("stale");
        } finally {
            worker.kill();
        }
    }
}
