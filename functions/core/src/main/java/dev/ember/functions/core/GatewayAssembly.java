package dev.ember.functions.core;

import dev.ember.functions.core.admission.AdmissionSettings;
import dev.ember.functions.core.admission.FrontDoor;
import dev.ember.functions.core.cache.Coalescer;
import dev.ember.functions.core.cache.FillLock;
import dev.ember.functions.core.cache.LocalHotKeys;
import dev.ember.functions.core.cache.LocalResponseCache;
import dev.ember.functions.core.cache.NearCache;
import dev.ember.functions.core.cache.RedisFillLock;
import dev.ember.functions.core.cache.RedisHotKeys;
import dev.ember.functions.core.cache.RedisResponseCache;
import dev.ember.functions.core.cache.ResponseCache;
import dev.ember.functions.core.redis.RedisLink;
import dev.ember.functions.core.resilience.ResilientPool;
import dev.ember.functions.core.tenancy.Authenticator;
import dev.ember.functions.core.tenancy.RateLimiter;
import dev.ember.pool.api.PoolClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Wires an {@link InferenceGateway}. With Redis the response cache and the fill lock are shared by
 * every gateway process; without it (local use) answers are cached in-process and coalescing is
 * per process. The gateway owns what it is given: closing it closes the pool client and the Redis
 * link.
 *
 * <pre>
 * InferenceGateway gateway = GatewayAssembly.builder()
 *         .pool(new HttpPoolClient(poolUri))
 *         .redis(RedisLink.open(redisUrl, Duration.ofMillis(200)))
 *         .authenticator(authenticator)
 *         .rateLimiter(rateLimiter)
 *         .meterRegistry(registry)
 *         .build();
 * </pre>
 */
public final class GatewayAssembly {
    private PoolClient pool;
    private RedisLink redis;
    private long localCacheBytes = 256L << 20;
    private long nearCacheEntries = 10_000;
    private double hotKeySampleRate = 1 / 16.0;
    private Supplier<RandomGenerator> hotKeyRandom = ThreadLocalRandom::current;
    private Authenticator authenticator = Authenticator.OFF;
    private RateLimiter rateLimiter = RateLimiter.NONE;
    private GatewayConfig config = GatewayConfig.DEFAULTS;
    private AdmissionSettings admission = AdmissionSettings.DEFAULTS;
    private MeterRegistry registry = new SimpleMeterRegistry();
    private Clock clock = Clock.systemUTC();

    private GatewayAssembly() {}

    public static GatewayAssembly builder() {
        return new GatewayAssembly();
    }

    public GatewayAssembly pool(PoolClient pool) {
        this.pool = pool;
        return this;
    }

    /** Share the cache and coalescing through Redis; without this, they are in-process. */
    public GatewayAssembly redis(RedisLink redis) {
        this.redis = redis;
        return this;
    }

    public GatewayAssembly localCacheBytes(long bytes) {
        this.localCacheBytes = bytes;
        return this;
    }

    /** Hot answers kept in-process in front of Redis (0 turns the near tier off). */
    public GatewayAssembly nearCacheEntries(long entries) {
        this.nearCacheEntries = entries;
        return this;
    }

    /** The share of requests counted to find hot keys (default 1 in 16). */
    public GatewayAssembly hotKeySampleRate(double rate) {
        if (rate < 0 || rate > 1) {
            throw new IllegalArgumentException("hot key sample rate must be in [0, 1]");
        }
        this.hotKeySampleRate = rate;
        return this;
    }

    /**
     * Where hot-key sampling draws from (default {@code ThreadLocalRandom}). A process restored from
     * a snapshot (Lambda SnapStart) passes one it re-seeds after the restore: every copy would
     * otherwise sample the same positions of its request stream.
     */
    public GatewayAssembly hotKeyRandom(Supplier<RandomGenerator> random) {
        this.hotKeyRandom = Objects.requireNonNull(random);
        return this;
    }

    public GatewayAssembly authenticator(Authenticator authenticator) {
        this.authenticator = Objects.requireNonNull(authenticator);
        return this;
    }

    public GatewayAssembly rateLimiter(RateLimiter rateLimiter) {
        this.rateLimiter = Objects.requireNonNull(rateLimiter);
        return this;
    }

    public GatewayAssembly config(GatewayConfig config) {
        this.config = Objects.requireNonNull(config);
        return this;
    }

    /** How the front door admits by priority before the cache and the pool (on by default). */
    public GatewayAssembly admission(AdmissionSettings settings) {
        this.admission = Objects.requireNonNull(settings);
        return this;
    }

    public GatewayAssembly meterRegistry(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry);
        return this;
    }

    public GatewayAssembly clock(Clock clock) {
        this.clock = Objects.requireNonNull(clock);
        return this;
    }

    public InferenceGateway build() {
        Objects.requireNonNull(pool, "a pool client is required");
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ember-gateway-timer");
            t.setDaemon(true);
            return t;
        });
        ResponseCache cache = redis != null
                ? new NearCache(
                        new RedisResponseCache(redis, config.keyPrefix(), clock, registry),
                        nearCacheEntries,
                        Duration.ofSeconds(30),
                        clock,
                        registry)
                : new LocalResponseCache(localCacheBytes, clock);
        FillLock lock = redis != null ? new RedisFillLock(redis, config.keyPrefix()) : FillLock.SINGLE_PROCESS;
        PoolClient ownedPool = pool;
        RedisLink ownedRedis = redis;
        return new InferenceGateway(
                pool,
                new ResilientPool(pool, config, registry, timer),
                new ModelCatalog(pool, config.metadataTtl()),
                new RequestGuard(config.maxElements()),
                new FrontDoor(admission),
                cache,
                new Coalescer(cache, lock, config.fillLockTtl(), config.fillWait(), timer, clock),
                redis != null
                        ? new RedisHotKeys(redis, config.keyPrefix(), hotKeySampleRate, hotKeyRandom)
                        : new LocalHotKeys(1000, hotKeySampleRate, hotKeyRandom),
                authenticator,
                rateLimiter,
                new GatewayMetrics(registry),
                clock,
                () -> {
                    timer.shutdownNow();
                    ownedPool.close();
                    if (ownedRedis != null) {
                        ownedRedis.close();
                    }
                });
    }
}
