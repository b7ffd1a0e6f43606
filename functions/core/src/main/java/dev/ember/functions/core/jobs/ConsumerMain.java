package dev.ember.functions.core.jobs;

import dev.ember.functions.core.GatewayAssembly;
import dev.ember.functions.core.GatewayConfig;
import dev.ember.functions.core.InferenceGateway;
import dev.ember.functions.core.pool.PerModelPool;
import dev.ember.functions.core.redis.RedisLink;
import dev.ember.pool.api.PoolClient;
import dev.ember.pool.api.codec.InferenceCodec;
import dev.ember.pool.api.http.HttpPoolClient;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * {@code bin/ember consumer}: a process that only runs jobs, beside (or instead of) the consumers
 * inside the functions. It builds a gateway on the pool at {@code --pool} (a worker, a pool
 * Service, a {@code {model}} template, or the local functions' own v2 routes) and Redis at {@code
 * --redis}, joins the consumer group, delivers completion events, and on SIGTERM stops reading,
 * gives the jobs in hand a few seconds, and leaves the rest pending for another consumer. Killed
 * harder, its jobs are claimed by others after the visibility timeout.
 *
 * <p>Every option also reads from the environment: {@code REDIS_URL}, {@code POOL_URL}, {@code
 * EMBER_POOL_MODELS}, {@code EMBER_KEY_PREFIX}, {@code EMBER_ASYNC_CONCURRENCY}, {@code K_SINK},
 * {@code EMBER_ASYNC_MAX_ATTEMPTS}, {@code EMBER_ASYNC_VISIBILITY_TIMEOUT_MS}.
 */
public final class ConsumerMain {
    private ConsumerMain() {}

    static final String USAGE = """
            usage: bin/ember consumer [--pool URL] [--redis URL] [--key-prefix P] [--concurrency N] [--name NAME]
                                      [--sink URL] [--max-attempts N] [--visibility-timeout-ms MS] [--backoff-ms MS]
              --pool     the pool the jobs run on (POOL_URL; default http://127.0.0.1:8080, the local functions)
              --redis    where the jobs are (REDIS_URL; default redis://127.0.0.1:6379; it must run with AOF)
              --sink     where completion events go when a job names no callback (K_SINK)
            """;

    public static void main(String[] args) throws Exception {
        Map<String, String> o;
        try {
            o = options(args);
        } catch (IllegalArgumentException e) {
            System.err.println("ember consumer: " + e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
            return;
        }
        String pool = o.getOrDefault("pool", env("POOL_URL", "http://127.0.0.1:8080"));
        String redisUrl = o.getOrDefault("redis", env("REDIS_URL", "redis://127.0.0.1:6379"));
        String prefix = o.getOrDefault("key-prefix", env("EMBER_KEY_PREFIX", "ember:"));
        JobSettings d = JobSettings.DEFAULTS;
        long backoff = Long.parseLong(
                o.getOrDefault("backoff-ms", Long.toString(d.backoffBase().toMillis())));
        JobSettings settings = d.withKeyPrefix(prefix)
                .withConcurrency(Integer.parseInt(o.getOrDefault("concurrency", env("EMBER_ASYNC_CONCURRENCY", "32"))))
                .withRetries(
                        Integer.parseInt(o.getOrDefault("max-attempts", env("EMBER_ASYNC_MAX_ATTEMPTS", "5"))),
                        Duration.ofMillis(backoff),
                        Duration.ofMillis(
                                Math.max(backoff, Math.min(d.backoffMax().toMillis(), backoff * 50))),
                        Duration.ofMillis(Long.parseLong(o.getOrDefault(
                                "visibility-timeout-ms", env("EMBER_ASYNC_VISIBILITY_TIMEOUT_MS", "30000")))))
                .withSink(
                        Optional.ofNullable(o.getOrDefault("sink", System.getenv("K_SINK")))
                                .filter(s -> !s.isBlank())
                                .map(URI::create),
                        List.of());
        String name = o.getOrDefault("name", JobEngine.processName());

        RedisLink redis = RedisLink.open(redisUrl, Duration.ofSeconds(2));
        InferenceGateway gateway = GatewayAssembly.builder()
                .pool(pool(pool))
                .redis(redis)
                .config(GatewayConfig.DEFAULTS.withKeyPrefix(prefix))
                .build();
        JobEngine engine = JobEngine.builder(gateway, new InferenceCodec())
                .redis(redis)
                .settings(settings)
                .build();
        JobConsumer consumer = engine.startConsumer(name);
        engine.startDelivery(name);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            consumer.close(Duration.ofSeconds(5));
            engine.close();
            gateway.close();
            stopped.countDown();
        }));
        System.out.println("READY consumer " + name + " (pool " + pool + ", Redis " + redisUrl + ", key prefix '"
                + prefix + "', " + settings.concurrency() + " at once)");
        System.out.flush();
        stopped.await();
    }

    private static PoolClient pool(String url) {
        if (PerModelPool.isTemplate(url)) {
            List<String> models = Arrays.stream(env("EMBER_POOL_MODELS", "").split(","))
                    .map(String::trim)
                    .filter(m -> !m.isEmpty())
                    .toList();
            return new PerModelPool(url, models, HttpPoolClient::new);
        }
        return new HttpPoolClient(URI.create(url));
    }

    static Map<String, String> options(String[] args) {
        List<String> known = List.of(
                "pool",
                "redis",
                "key-prefix",
                "concurrency",
                "name",
                "sink",
                "max-attempts",
                "visibility-timeout-ms",
                "backoff-ms");
        Map<String, String> o = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--") || !known.contains(a.substring(2))) {
                throw new IllegalArgumentException("unknown option '" + a + "'");
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(a + " needs a value");
            }
            o.put(a.substring(2), args[++i]);
        }
        return o;
    }

    private static String env(String name, String otherwise) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? otherwise : v;
    }
}
