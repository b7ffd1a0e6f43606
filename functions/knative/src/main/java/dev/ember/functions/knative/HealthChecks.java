package dev.ember.functions.knative;

import dev.ember.functions.core.InferenceGateway;
import dev.ember.functions.core.pool.PerModelPool;
import dev.ember.functions.core.redis.RedisLink;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness ({@code /q/health/ready} on the management port), for the kubelet. Liveness ({@code
 * /q/health/live}) has no check of its own: it answers while the process serves, touching neither
 * Redis nor the pool, so a slow dependency never gets a live pod restarted.
 *
 * <ul>
 *   <li>{@code pool}: up when a request can reach a pool or wait for one. The embedded pool buffers
 *       while it starts a worker, and per-model pool Services on Knative are buffered by its
 *       activator at zero, so both are up without a call (a call would wake a pool at zero); a
 *       single remote pool must answer its repository index within a second.
 *   <li>{@code redis}: always up — without Redis the cache is bypassed and rate limits admit, a
 *       degraded service, not an unready one — with its state in the data.
 * </ul>
 */
public final class HealthChecks {
    private HealthChecks() {}

    @Readiness
    @ApplicationScoped
    public static class Pool implements HealthCheck {
        @Inject
        EmberConfig config;

        @Inject
        InferenceGateway gateway;

        @Override
        public HealthCheckResponse call() {
            HealthCheckResponseBuilder pool = HealthCheckResponse.named("pool");
            Optional<String> url = config.pool().url();
            if (url.isEmpty()) {
                return pool.up()
                        .withData("mode", "embedded (requests wait while a worker starts)")
                        .build();
            }
            if (PerModelPool.isTemplate(url.get())) {
                return pool.up()
                        .withData("mode", "per model: " + url.get() + " (Knative buffers a pool at zero)")
                        .build();
            }
            try {
                int models = gateway.models(null).get(1, TimeUnit.SECONDS).size();
                return pool.up()
                        .withData("mode", "remote " + url.get())
                        .withData("models", models)
                        .build();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return pool.down().withData("error", "interrupted").build();
            } catch (Exception e) {
                return pool.down()
                        .withData("mode", "remote " + url.get())
                        .withData("error", "the pool does not answer: " + e)
                        .build();
            }
        }
    }

    @Readiness
    @ApplicationScoped
    public static class Redis implements HealthCheck {
        @Inject
        GatewayProducer producer;

        @Override
        public HealthCheckResponse call() {
            Optional<RedisLink> link = producer.redis();
            String state = link.map(l -> l.isOpen()
                            ? "up"
                            : "degraded: down, the cache is bypassed and rate limits admit until it is back")
                    .orElse("not used: in-process cache and rate limits");
            return HealthCheckResponse.named("redis")
                    .up()
                    .withData("state", state)
                    .build();
        }
    }
}
