package dev.ember.functions.lambda;

import dev.ember.functions.core.GatewayAssembly;
import dev.ember.functions.core.GatewayConfig;
import dev.ember.functions.core.InferenceGateway;
import dev.ember.functions.core.redis.RedisLink;
import dev.ember.functions.core.tenancy.Authenticator;
import dev.ember.functions.core.tenancy.LocalTokenBucket;
import dev.ember.functions.core.tenancy.RateLimiter;
import dev.ember.functions.core.tenancy.RedisTokenBucket;
import dev.ember.functions.core.tenancy.TenantDirectory;
import dev.ember.functions.lambda.pool.InProcessPool;
import dev.ember.functions.lambda.pool.RemotePool;
import dev.ember.functions.lambda.snapstart.ReseedableRandom;
import dev.ember.pool.api.PoolClient;
import dev.ember.pool.api.http.HttpPoolClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Optional;

/**
 * One function instance's gateway and what it runs on, built in the init phase from {@link
 * LambdaSettings}: the pool target (remote, or the models loaded and warmed in this JVM), the Redis
 * link, tenants. The same {@link InferenceGateway} as the Knative functions, wired the same way;
 * closing this closes all of it.
 *
 * <p>Around a SnapStart snapshot, {@link #suspendConnections} and {@link #resumeConnections} drop
 * and reopen the sockets (Redis, the remote pool) that would be stale in every restored copy, and
 * {@link #reseedRandomness} gives each copy its own random draws.
 */
public final class LambdaGateway implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(LambdaGateway.class.getName());

    private final LambdaSettings settings;
    private final PoolClient pool;
    private final Optional<RedisLink> redis;
    private final InferenceGateway gateway;

    private final ReseedableRandom random;

    private LambdaGateway(
            LambdaSettings settings,
            PoolClient pool,
            Optional<RedisLink> redis,
            InferenceGateway gateway,
            ReseedableRandom random) {
        this.settings = settings;
        this.pool = pool;
        this.redis = redis;
        this.gateway = gateway;
        this.random = random;
    }

    public static LambdaGateway start(LambdaSettings settings) {
        return start(settings, new SimpleMeterRegistry());
    }

    public static LambdaGateway start(LambdaSettings settings, MeterRegistry registry) {
        long start = System.nanoTime();
        TenantDirectory tenants =
                settings.tenantsFile().map(TenantDirectory::read).orElse(TenantDirectory.EMPTY);
        PoolClient pool = settings.poolUrl()
                .<PoolClient>map(uri -> new RemotePool(uri, HttpPoolClient.Options.DEFAULTS))
                .orElseGet(() -> InProcessPool.load(settings.models().orElseThrow()));
        // A Lambda's Redis is part of the deployment: one that is down now is waited for in the
        // background, and requests meanwhile go on without it.
        Optional<RedisLink> redis = settings.redisUrl().map(url -> RedisLink.open(url, settings.redisTimeout()));
        RateLimiter limiter = tenants.isEmpty()
                ? RateLimiter.NONE
                : redis.<RateLimiter>map(link -> new RedisTokenBucket(link, settings.keyPrefix(), registry))
                        .orElseGet(() -> new LocalTokenBucket(registry));
        ReseedableRandom random = new ReseedableRandom();
        GatewayAssembly assembly = GatewayAssembly.builder()
                .pool(pool)
                .hotKeyRandom(() -> random)
                .authenticator(Authenticator.forDirectory(tenants))
                .rateLimiter(limiter)
                .config(config(settings))
                .meterRegistry(registry);
        redis.ifPresent(assembly::redis);
        InferenceGateway gateway = assembly.build();
        LOG.log(
                System.Logger.Level.INFO,
                "gateway ready in {0} ms: pool {1}, {2}, authentication {3}",
                Duration.ofNanos(System.nanoTime() - start).toMillis(),
                settings.poolUrl()
                        .map(Object::toString)
                        .orElseGet(() -> "in-process over " + settings.models().orElseThrow()),
                redis.map(l -> "Redis " + l.url() + " (key prefix '" + settings.keyPrefix() + "')")
                        .orElse("no Redis: cache and rate limits in this instance only"),
                tenants.isEmpty() ? "off" : "on (" + tenants.tenants().size() + " tenants)");
        return new LambdaGateway(settings, pool, redis, gateway, random);
    }

    private static GatewayConfig config(LambdaSettings settings) {
        GatewayConfig d = GatewayConfig.DEFAULTS;
        return new GatewayConfig(
                settings.keyPrefix(),
                settings.maxElements(),
                d.metadataTtl(),
                d.poolTimeout(),
                d.fillLockTtl(),
                d.fillWait(),
                d.connectionRetries(),
                d.breakerFailureRate(),
                d.breakerWindow(),
                d.breakerOpenFor());
    }

    public InferenceGateway gateway() {
        return gateway;
    }

    public PoolClient pool() {
        return pool;
    }

    /** The gateway's Redis link, shared by the async job engine; empty without {@code REDIS_URL}. */
    public Optional<RedisLink> redis() {
        return redis;
    }

    public LambdaSettings settings() {
        return settings;
    }

    /** Closes the Redis connection and the pooled connections to a remote pool. */
    public void suspendConnections() {
        redis.ifPresent(RedisLink::suspend);
        if (pool instanceof RemotePool remote) {
            remote.dropConnections();
        }
    }

    /** Reconnects Redis (the pool's connections open with the next request). */
    public void resumeConnections() {
        redis.ifPresent(RedisLink::resume);
    }

    /** New seeds for what the gateway draws at random (hot-key sampling), after a restore. */
    public void reseedRandomness() {
        random.reseed();
    }

    /** True while connected to Redis (false without one). */
    public boolean redisConnected() {
        return redis.map(RedisLink::isOpen).orElse(false);
    }

    @Override
    public void close() {
        gateway.close(); // closes the pool and the Redis link it was given
    }
}
