package dev.ember.functions.knative;

import dev.ember.functions.core.GatewayAssembly;
import dev.ember.functions.core.GatewayConfig;
import dev.ember.functions.core.InferenceGateway;
import dev.ember.functions.core.http.FunctionsApi;
import dev.ember.functions.core.jobs.JobEngine;
import dev.ember.functions.core.jobs.JobSettings;
import dev.ember.functions.core.pool.PerModelPool;
import dev.ember.functions.core.redis.RedisLink;
import dev.ember.functions.core.tenancy.Authenticator;
import dev.ember.functions.core.tenancy.LocalTokenBucket;
import dev.ember.functions.core.tenancy.RateLimiter;
import dev.ember.functions.core.tenancy.RedisTokenBucket;
import dev.ember.functions.core.tenancy.TenantDirectory;
import dev.ember.pool.api.PoolClient;
import dev.ember.pool.api.codec.InferenceCodec;
import dev.ember.pool.api.http.HttpPoolClient;
import dev.ember.pool.controller.LocalPool;
import dev.ember.pool.controller.LocalPoolConfig;
import dev.ember.pool.worker.WorkerProcess;
import dev.ember.warmup.prewarm.RateHistoryStore;
import dev.ember.warmup.prewarm.RedisRateHistoryStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;

/**
 * Builds the process's one {@link InferenceGateway} from {@link EmberConfig}, on the application's
 * Vert.x instance and meter registry, and closes it at shutdown.
 */
@ApplicationScoped
public class GatewayProducer {
    private static final Logger LOG = Logger.getLogger(GatewayProducer.class);

    /** The process's Redis link, for the readiness check; empty when running on in-process state. */
    private volatile Optional<RedisLink> redis = Optional.empty();

    Optional<RedisLink> redis() {
        return redis;
    }

    @Produces
    @Startup
    @Singleton
    InferenceGateway gateway(EmberConfig config, Vertx vertx, MeterRegistry registry) {
        AtomicReference<InferenceGateway> self = new AtomicReference<>();
        GatewayConfig gatewayConfig = gatewayConfig(config);
        TenantDirectory tenants =
                config.tenants().file().map(TenantDirectory::read).orElse(TenantDirectory.EMPTY);
        Authenticator authenticator = Authenticator.forDirectory(tenants);
        Optional<RedisLink> redis = connect(config.redis());
        this.redis = redis;
        PoolClient pool;
        try {
            pool = pool(config.pool(), vertx, registry, self, rateHistory(redis, gatewayConfig.keyPrefix()));
        } catch (RuntimeException e) {
            redis.ifPresent(RedisLink::close);
            throw e;
        }
        RateLimiter limiter;
        if (tenants.isEmpty()) {
            limiter = RateLimiter.NONE; // everyone is anonymous with an unlimited plan
        } else {
            limiter = redis.<RateLimiter>map(link -> new RedisTokenBucket(link, gatewayConfig.keyPrefix(), registry))
                    .orElseGet(() -> new LocalTokenBucket(registry));
        }
        LOG.infof(
                "gateway: pool %s, %s, authentication %s",
                config.pool()
                        .url()
                        .orElse("embedded over "
                                + config.pool().local().models().orElse(null)),
                redis.map(l -> "Redis " + l.url() + " (key prefix '" + gatewayConfig.keyPrefix() + "')")
                        .orElse("in-process cache"),
                tenants.isEmpty() ? "off" : "on (" + tenants.tenants().size() + " tenants)");
        GatewayAssembly assembly = GatewayAssembly.builder()
                .pool(pool)
                .authenticator(authenticator)
                .rateLimiter(limiter)
                .config(gatewayConfig)
                .admission(dev.ember.functions.core.admission.AdmissionSettings.DEFAULTS
                        .withEnabled(config.admission().enabled())
                        .withTolerance(config.admission().tolerance()))
                .meterRegistry(registry);
        redis.ifPresent(assembly::redis);
        InferenceGateway gateway = assembly.build();
        self.set(gateway);
        return gateway;
    }

    /**
     * A remote pool at {@code ember.pool.url}, or else the embedded pool: worker processes over
     * {@code ember.pool.local.models}, scaled by this app, whose new model versions are warmed with
     * the gateway's hottest requests before they take traffic.
     */
    private static PoolClient pool(
            EmberConfig.Pool config,
            Vertx vertx,
            MeterRegistry registry,
            AtomicReference<InferenceGateway> gateway,
            RateHistoryStore rates) {
        if (config.url().isPresent() && PerModelPool.isTemplate(config.url().get())) {
            List<String> models = Arrays.stream(config.models().orElse("").split(","))
                    .map(String::trim)
                    .filter(m -> !m.isEmpty())
                    .toList();
            return new PerModelPool(
                    config.url().get(),
                    models,
                    uri -> new HttpPoolClient(vertx, poolUri(uri.toString()), HttpPoolClient.Options.DEFAULTS));
        }
        if (config.url().isPresent()) {
            return new HttpPoolClient(vertx, poolUri(config.url().get()), HttpPoolClient.Options.DEFAULTS);
        }
        EmberConfig.Local local = config.local();
        Path models = local.models()
                .orElseThrow(
                        () -> new IllegalArgumentException(
                                "no pool: set POOL_URL (a remote pool) or EMBER_MODELS (a model repository for the embedded pool)"));
        Path jar = local.workerJar()
                .orElseThrow(
                        () -> new IllegalArgumentException(
                                "the embedded pool needs EMBER_WORKER_JAR "
                                        + "(ember.pool.local.worker-jar): the packaged worker, gpu-pool/worker/target/ember-pool-worker.jar"));
        List<String> jvmOptions = Arrays.stream(local.workerJvmOptions().trim().split("\\s+"))
                .filter(o -> !o.isBlank())
                .toList();
        List<String> workerArgs =
                local.cacheDir().map(d -> List.of("--cache-dir", d.toString())).orElse(List.of());
        LocalPoolConfig poolConfig = LocalPoolConfig.defaults(
                        models, WorkerProcess.Launch.jar(jar, jvmOptions), workerArgs)
                .withSpares(local.spares());
        LocalPool.VersionHook warmHotKeys = (model, version, p) -> {
            InferenceGateway g = gateway.get();
            if (g == null) {
                return CompletableFuture.completedFuture(null);
            }
            return g.warmHotKeys(model, version, p, local.hotKeysToWarm())
                    .thenAccept(n -> LOG.infof(
                            "warmed %d hot answers of %s version %s before it takes traffic", n, model, version));
        };
        return LocalPool.start(poolConfig, registry, Clock.systemUTC(), warmHotKeys, rates);
    }

    /**
     * Where the embedded pool keeps each model's request-rate history (what its forecast learned):
     * Redis when there is one, so a restarted app keeps its days of seasonality; else this process.
     */
    private static RateHistoryStore rateHistory(Optional<RedisLink> redis, String keyPrefix) {
        return redis.<RateHistoryStore>map(link -> new RedisRateHistoryStore(
                        link::commands, keyPrefix, RateHistoryStore.DEFAULT_CAPACITY, Duration.ofSeconds(2)))
                .orElseGet(() -> RateHistoryStore.inMemory(RateHistoryStore.DEFAULT_CAPACITY));
    }

    /**
     * The async job engine over the gateway's Redis (none: every async call answers 503), with this
     * process's consumer and completion-event delivery when {@code ember.async.consumers} is 1.
     */
    @Produces
    @Startup
    @Singleton
    JobEngine jobs(InferenceGateway gateway, InferenceCodec codec, EmberConfig config, MeterRegistry registry) {
        EmberConfig.Async async = config.async();
        JobSettings d = JobSettings.DEFAULTS;
        JobSettings settings = new JobSettings(
                config.redis().keyPrefix(),
                async.streamCap(),
                async.concurrency(),
                async.visibilityTimeout(),
                async.maxAttempts(),
                d.backoffBase(),
                d.backoffMax(),
                async.jobTtl(),
                async.sink().filter(s -> !s.isBlank()).map(URI::create),
                Arrays.stream(async.callbackAllow().orElse("").split(","))
                        .map(String::trim)
                        .filter(p -> !p.isEmpty())
                        .toList());
        JobEngine.Builder builder =
                JobEngine.builder(gateway, codec).settings(settings).meterRegistry(registry);
        redis.ifPresent(link -> builder.redis(link.url(), async.redisTimeout()));
        JobEngine engine = builder.build();
        if (engine.enabled() && async.consumers() > 0) {
            String name = JobEngine.processName();
            engine.startConsumer(name);
            engine.startDelivery(name);
            LOG.infof(
                    "async jobs: consumer %s (%d at once), completion events to %s",
                    name,
                    async.concurrency(),
                    settings.sink().map(Object::toString).orElse("callbacks only"));
        } else if (!engine.enabled()) {
            LOG.warn("async jobs: off (no Redis); async submissions answer 503");
        }
        return engine;
    }

    void close(@Disposes JobEngine engine) {
        engine.close();
    }

    /**
     * The functions' HTTP endpoints besides Funqy's (the v2 protocol), served by {@link ApiRoute}.
     * Large bodies are decoded, and large JSON answers encoded, on Vert.x's worker pool.
     */
    @Produces
    @Singleton
    FunctionsApi api(InferenceGateway gateway, JobEngine jobs, InferenceCodec codec, Vertx vertx, EmberConfig config) {
        Executor offLoop = task -> vertx.executeBlocking(
                () -> {
                    task.run();
                    return null;
                },
                false);
        return FunctionsApi.standard(gateway, codec, offLoop, config.limits().maxBodyBytes())
                .jobs(jobs)
                .build();
    }

    /** One codec for the process: it is thread-safe. */
    @Produces
    @Singleton
    InferenceCodec codec() {
        return new InferenceCodec();
    }

    void close(@Disposes InferenceGateway gateway) {
        gateway.close();
    }

    /**
     * Redis when it answers, or when the deployment says it is required (then a Redis that is down
     * now is waited for in the background). Otherwise the process runs on in-process state: a cache
     * no other process shares and rate limits each process enforces alone, which is fine for one
     * local process and wrong for a fleet, hence the loud warning.
     */
    private static Optional<RedisLink> connect(EmberConfig.Redis redis) {
        if (redis.required()) {
            return Optional.of(RedisLink.open(redis.url(), redis.timeout()));
        }
        try {
            return Optional.of(RedisLink.openOrFail(redis.url(), redis.timeout()));
        } catch (RuntimeException e) {
            LOG.warnf("""

                    ************************************************************************
                    *  Redis at %s does not answer (%s).
                    *  Running WITHOUT Redis: responses are cached in this process only and
                    *  rate limits are enforced per process. Fine for local use; for a
                    *  deployment start Redis, or set ember.redis.required=true to wait for it.
                    ************************************************************************""", redis.url(), e.getMessage());
            return Optional.empty();
        }
    }

    private static GatewayConfig gatewayConfig(EmberConfig config) {
        GatewayConfig d = GatewayConfig.DEFAULTS;
        return new GatewayConfig(
                config.redis().keyPrefix(),
                config.limits().maxElements(),
                d.metadataTtl(),
                d.poolTimeout(),
                d.fillLockTtl(),
                d.fillWait(),
                d.connectionRetries(),
                d.breakerFailureRate(),
                d.breakerWindow(),
                d.breakerOpenFor());
    }

    private static URI poolUri(String url) {
        try {
            URI uri = URI.create(url);
            if (uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
                throw new IllegalArgumentException("not an http(s) URL with a host");
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "ember.pool.url (POOL_URL) '" + url + "' is not usable: " + e.getMessage(), e);
        }
    }
}
