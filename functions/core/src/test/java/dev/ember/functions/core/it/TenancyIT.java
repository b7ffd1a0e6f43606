package dev.ember.functions.core.it;

import static dev.ember.functions.core.it.GatewayIT.mlp;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ember.functions.core.GatewayAssembly;
import dev.ember.functions.core.GatewayConfig;
import dev.ember.functions.core.GatewayRequest;
import dev.ember.functions.core.InferenceGateway;
import dev.ember.functions.core.redis.RedisFixture;
import dev.ember.functions.core.redis.RedisLink;
import dev.ember.functions.core.tenancy.Authenticator;
import dev.ember.functions.core.tenancy.RedisTokenBucket;
import dev.ember.functions.core.tenancy.TenantDirectory;
import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.InferenceException.Reason;
import dev.ember.pool.api.InferenceResponse;
import dev.ember.pool.api.http.HttpPoolClient;
import dev.ember.pool.worker.WorkerProcess;
import dev.ember.pool.worker.it.ModelFixtures;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** API keys and plan limits through the whole gateway, two gateway processes sharing one Redis. */
class TenancyIT {
    private static final String KEY = "ek_live_7f3a9c";

    @TempDir
    static Path repo;

    private static WorkerProcess worker;

    @BeforeAll
    static void startWorker() {
        ModelFixtures.repo(repo).addAsShipped("mlp-tiny").addAsShipped("masked-sum");
        worker = WorkerProcess.start(repo, List.of("-Xmx512m"), List.of(), Duration.ofSeconds(60), false);
    }

    @AfterAll
    static void stopWorker() {
        worker.close();
    }

    private static TenantDirectory directory() {
        return TenantDirectory.parse("""
                plans:
                  trial: {rate_per_second: 0.2, burst: 12, max_priority: batch}
                tenants:
                  acme:
                    plan: trial
                    keys: ["%s"]
                    models: [mlp-tiny]
                """.formatted(TenantDirectory.hashKey(KEY)));
    }

    private static InferenceGateway gateway(String prefix) {
        RedisLink redis = RedisLink.open(RedisFixture.url(), Duration.ofMillis(200));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        return GatewayAssembly.builder()
                .pool(new HttpPoolClient(worker.uri()))
                .redis(redis)
                .authenticator(Authenticator.forDirectory(directory()))
                .rateLimiter(new RedisTokenBucket(redis, prefix, registry))
                .config(GatewayConfig.DEFAULTS.withKeyPrefix(prefix))
                .meterRegistry(registry)
                .build();
    }

    @Test
    void theRateLimitHoldsAcrossTwoGatewaysSharingRedis() throws Exception {
        String prefix = RedisFixture.uniquePrefix();
        try (InferenceGateway a = gateway(prefix);
                InferenceGateway b = gateway(prefix)) {
            List<CompletableFuture<InferenceResponse>> calls = new ArrayList<>();
            long start = System.nanoTime();
            for (int i = 0; i < 40; i++) {
                calls.add((i % 2 == 0 ? a : b).infer(new GatewayRequest(KEY, "mlp-tiny", null, mlp(5000 + i))));
            }
            int admitted = 0;
            int limited = 0;
            for (CompletableFuture<InferenceResponse> c : calls) {
                try {
                    c.get(30, TimeUnit.SECONDS);
                    admitted++;
                } catch (ExecutionException e) {
                    InferenceException f = InferenceException.find(e).orElseThrow();
                    assertThat(f.reason()).isEqualTo(Reason.RATE_LIMITED);
                    assertThat(f.retryAfter()).isPresent();
                    limited++;
                }
            }
            // Burst 12 shared by both gateways, plus what refills at 0.2/s while the test runs.
            long refill = (long) Math.floor(0.2 * (System.nanoTime() - start) / 1e9);
            assertThat(admitted).isBetween(12, 12 + (int) refill);
            assertThat(admitted + limited).isEqualTo(40);
        }
    }

    @Test
    void keysAreCheckedAndModelsRestricted() throws Exception {
        try (InferenceGateway gateway = gateway(RedisFixture.uniquePrefix())) {
            assertThat(reason(gateway.infer(new GatewayRequest(null, "mlp-tiny", null, mlp(1)))))
                    .isEqualTo(Reason.UNAUTHENTICATED);
            assertThat(reason(gateway.infer(new GatewayRequest("wrong", "mlp-tiny", null, mlp(1)))))
                    .isEqualTo(Reason.UNAUTHENTICATED);
            assertThat(reason(gateway.infer(new GatewayRequest(KEY, "masked-sum", null, mlp(1)))))
                    .isEqualTo(Reason.FORBIDDEN);
            assertThat(gateway.infer(new GatewayRequest(KEY, "mlp-tiny", null, mlp(2)))
                            .get(30, TimeUnit.SECONDS)
                            .outputs())
                    .hasSize(2);
        }
    }

    private static Reason reason(CompletableFuture<?> f) throws Exception {
        return GatewayIT.failure(f).reason();
    }
}
