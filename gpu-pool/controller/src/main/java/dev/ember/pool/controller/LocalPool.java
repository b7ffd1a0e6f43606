package dev.ember.pool.controller;

import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.InferenceResponse;
import dev.ember.pool.api.ModelMetadata;
import dev.ember.pool.api.ModelStatus;
import dev.ember.pool.api.PoolClient;
import dev.ember.pool.api.config.ModelConfig;
import dev.ember.pool.api.config.ScalingSettings;
import dev.ember.pool.controller.scaling.ScaleDecision;
import dev.ember.pool.controller.scaling.ScalingConfig;
import dev.ember.pool.controller.scaling.ScalingPolicy;
import dev.ember.pool.worker.repository.ModelLocation;
import dev.ember.pool.worker.repository.ModelRepository;
import dev.ember.warmup.forecast.ForecasterConfig;
import dev.ember.warmup.prewarm.RateHistory;
import dev.ember.warmup.prewarm.RateHistoryStore;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The embedded pool: a {@link PoolClient} that runs worker processes itself, one group per model,
 * sized by a KPA-style {@link ScalingPolicy} — warm when there is load, at its warm floor (possibly
 * zero) when there is none. Requests for a model with no worker wait in a bounded buffer while a
 * spare runtime becomes its worker. New versions found in the repository are loaded and warmed on
 * every worker beside the old one, offered to a {@link VersionHook} (a gateway warms its cache
 * with them), then switched to; a model with {@code canary_percent} keeps the old version for the
 * rest of the traffic until {@link #promote}.
 */
public final class LocalPool implements PoolClient {
    private static final System.Logger LOG = System.getLogger(LocalPool.class.getName());
    /** How long a new model file must stay unchanged before it is loaded. */
    private static final Duration SETTLE = Duration.ofSeconds(1);

    /** Runs after a new version is warm on every worker and before it takes traffic. */
    @FunctionalInterface
    public interface VersionHook {
        VersionHook NONE = (model, version, pool) -> CompletableFuture.completedFuture(null);

        /** {@code pool} answers requests that name {@code version} already. */
        CompletableFuture<Void> beforeSwitch(String model, String version, PoolClient pool);
    }

    private final LocalPoolConfig config;
    private final ModelRepository repository;
    private final SpareWorkerLauncher launcher;
    private final PoolMetrics metrics;
    private final Clock clock;
    private final VersionHook hook;
    private final RateHistoryStore rates;
    private final ScheduledExecutorService timer;
    private final Map<String, ModelPool> pools = new ConcurrentHashMap<>();
    private final Map<String, Long> latestVersions = new ConcurrentHashMap<>();
    /** Models whose newest version serves as a canary: model → canary version. */
    private final Map<String, String> canaries = new ConcurrentHashMap<>();
    /** Versions that failed to load, by model, as file signatures: retried when the file changes. */
    private final Map<String, String> failedLoads = new ConcurrentHashMap<>();

    private LocalPool(
            LocalPoolConfig config, MeterRegistry registry, Clock clock, VersionHook hook, RateHistoryStore rates) {
        this.config = config;
        this.rates = rates;
        this.repository = new ModelRepository(config.models());
        this.metrics = new PoolMetrics(registry);
        this.clock = clock;
        this.hook = hook;
        this.timer = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "ember-pool-controller");
            t.setDaemon(true);
            return t;
        });
        this.launcher = new SpareWorkerLauncher(
                config.launch(),
                config.models(),
                config.workerArgs(),
                config.spares(),
                config.workerStartTimeout(),
                registry,
                clock);
    }

    /**
     * Starts the pool with a request-rate history that lives as long as the process: each model gets
     * its initial workers, spares start, and the control loops run.
     */
    public static LocalPool start(LocalPoolConfig config, MeterRegistry registry, Clock clock, VersionHook hook) {
        return start(config, registry, clock, hook, RateHistoryStore.inMemory(RateHistoryStore.DEFAULT_CAPACITY));
    }

    /**
     * As {@link #start(LocalPoolConfig, MeterRegistry, Clock, VersionHook)}, each model's request-rate
     * history (what its forecast learned) restored from and kept in {@code rates}, so a restarted
     * process keeps the days of seasonality the previous one saw.
     */
    public static LocalPool start(
            LocalPoolConfig config, MeterRegistry registry, Clock clock, VersionHook hook, RateHistoryStore rates) {
        LocalPool pool = new LocalPool(config, registry, clock, hook, rates);
        pool.discover();
        pool.timer.scheduleAtFixedRate(pool::sample, 1, 1, TimeUnit.SECONDS);
        pool.timer.scheduleAtFixedRate(
                pool::tick, config.tick().toMillis(), config.tick().toMillis(), TimeUnit.MILLISECONDS);
        if (!config.reloadCheck().isZero()) {
            pool.timer.scheduleWithFixedDelay(
                    pool::checkVersions,
                    config.reloadCheck().toMillis(),
                    config.reloadCheck().toMillis(),
                    TimeUnit.MILLISECONDS);
        }
        return pool;
    }

    @Override
    public CompletableFuture<InferenceResponse> infer(String model, String version, InferenceRequest request) {
        ModelPool pool = pools.get(model);
        if (pool == null) {
            return CompletableFuture.failedFuture(unknown(model));
        }
        return pool.infer(version, request);
    }

    @Override
    public CompletableFuture<ModelMetadata> metadata(String model, String version) {
        ModelPool pool = pools.get(model);
        return pool == null ? CompletableFuture.failedFuture(unknown(model)) : pool.metadata(version);
    }

    @Override
    public CompletableFuture<Boolean> ready(String model, String version) {
        ModelPool pool = pools.get(model);
        return pool == null
                ? CompletableFuture.failedFuture(unknown(model))
                : CompletableFuture.completedFuture(pool.ready());
    }

    @Override
    public CompletableFuture<List<ModelStatus>> models() {
        List<ModelStatus> out = new ArrayList<>();
        pools.values().stream()
                .sorted(Comparator.comparing(ModelPool::model))
                .forEach(p -> out.add(new ModelStatus(
                        p.model(), String.valueOf(latestVersions.getOrDefault(p.model(), 0L)), p.ready())));
        return CompletableFuture.completedFuture(out);
    }

    /** Workers of {@code model} ready to serve now. */
    public int readyWorkers(String model) {
        ModelPool pool = pools.get(model);
        return pool == null ? 0 : pool.readyCount();
    }

    /** Process ids of the model's ready workers (for operators: logs, profilers, kill drills). */
    public List<Long> workerPids(String model) {
        ModelPool pool = pools.get(model);
        return pool == null
                ? List.of()
                : pool.readyWorkers().stream().map(w -> w.process.pid()).toList();
    }

    /** Makes one scaling decision for {@code model} now (the periodic tick does this on its own). */
    public ScaleDecision decideNow(String model) {
        ModelPool pool = pools.get(model);
        if (pool == null) {
            throw unknown(model);
        }
        return pool.tick(clock.instant());
    }

    /**
     * Loads what the repository holds now for {@code model} on every worker: new versions are
     * staged and warmed, handed to the {@link VersionHook}, then switched to (or kept as a canary
     * when the model's config asks for one).
     */
    public CompletableFuture<Void> reload(String model) {
        ModelPool pool = pools.get(model);
        if (pool == null) {
            return CompletableFuture.failedFuture(unknown(model));
        }
        List<ModelLocation> versions = repository.scan(model).orElseThrow(() -> unknown(model));
        ModelLocation newest = versions.get(versions.size() - 1);
        boolean canary = newest.config().canaryPercent() > 0;
        String version = newest.versionLabel();
        return pool.onEveryWorker(w -> w.client.loadModel(model, !canary))
                .thenCompose(staged -> canary
                        ? CompletableFuture.completedFuture(null)
                        : hook.beforeSwitch(model, version, this)
                                .exceptionally(e -> {
                                    LOG.log(
                                            System.Logger.Level.WARNING,
                                            "warming the cache for {0} version {1} failed: {2}",
                                            model,
                                            version,
                                            e.getMessage());
                                    return null;
                                })
                                .thenCompose(v -> pool.onEveryWorker(w -> w.client.promote(model)))
                                .thenApply(v -> null))
                .thenRun(() -> {
                    if (canary) {
                        canaries.put(model, version);
                    } else {
                        canaries.remove(model);
                    }
                })
                .thenRun(() -> LOG.log(
                        System.Logger.Level.INFO,
                        "{0} version {1} {2}",
                        model,
                        version,
                        canary ? "is a canary (" + newest.config().canaryPercent() + "%)" : "takes all traffic"));
    }

    /** Ends a canary: its version takes all traffic on every worker. */
    public CompletableFuture<Void> promote(String model) {
        ModelPool pool = pools.get(model);
        if (pool == null) {
            return CompletableFuture.failedFuture(unknown(model));
        }
        return pool.onEveryWorker(w -> w.client.promote(model)).thenAccept(v -> canaries.remove(model));
    }

    @Override
    public void close() {
        timer.shutdownNow();
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        pools.values().forEach(p -> closing.add(CompletableFuture.runAsync(p::close)));
        closing.forEach(CompletableFuture::join);
        launcher.close();
    }

    private void discover() {
        for (ModelLocation m : repository.scan()) {
            latestVersions.merge(m.name(), m.version(), Math::max);
            pools.computeIfAbsent(m.name(), name -> newPool(name, m.config()));
        }
        pools.values().forEach(p -> p.tick(clock.instant()));
    }

    private ModelPool newPool(String model, ModelConfig config) {
        return new ModelPool(
                model,
                new ScalingPolicy(scalingConfig(config.scaling()), clock.instant()),
                RateHistory.restore(model, ForecasterConfig.DEFAULTS, rates),
                launcher,
                () -> latestVersions.getOrDefault(model, Long.MAX_VALUE),
                timer,
                clock,
                this.config.bufferTimeout(),
                this.config.maxBuffered(),
                config,
                metrics.forModel(model));
    }

    static ScalingConfig scalingConfig(ScalingSettings s) {
        ScalingConfig d = ScalingConfig.DEFAULTS;
        return new ScalingConfig(
                s.targetConcurrency(),
                d.targetUtilization(),
                s.stableWindow(),
                d.panicWindowPercentage(),
                d.panicThresholdPercentage(),
                d.maxScaleUpRate(),
                d.maxScaleDownRate(),
                s.scaleToZeroGrace(),
                d.scaleDownDelay(),
                s.initialScale(),
                s.minWarm(),
                s.maxWorkers());
    }

    private void sample() {
        try {
            Duration keep = Duration.ofHours(1); // the longest stable window Knative allows
            pools.values().forEach(p -> p.sample(clock.instant(), keep));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "sampling failed", e);
        }
    }

    private void tick() {
        pools.values().forEach(p -> {
            try {
                p.tick(clock.instant());
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "scaling " + p.model() + " failed", e);
            }
        });
    }

    /**
     * The repository watch: a new model gets a pool; a new version is loaded beside the old one once
     * its file has stopped changing (a copy in progress is not loaded half-written), and one that
     * fails to load is retried only when its file changes; a canary whose model's config no longer
     * asks for one ({@code canary_percent: 0}) is promoted.
     */
    private void checkVersions() {
        try {
            for (ModelLocation m : repository.scan()) {
                String name = m.name();
                if (!pools.containsKey(name)) {
                    LOG.log(System.Logger.Level.INFO, "new model {0} in the repository", name);
                    latestVersions.put(name, m.version());
                    pools.computeIfAbsent(name, n -> newPool(n, m.config())).tick(clock.instant());
                } else if (m.version() > latestVersions.getOrDefault(name, Long.MAX_VALUE)) {
                    loadNewVersion(m);
                } else if (canaries.containsKey(name) && m.config().canaryPercent() == 0) {
                    LOG.log(System.Logger.Level.INFO, "{0}: canary_percent is 0 now, promoting the canary", name);
                    promote(name).join();
                }
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "checking the repository for new versions failed: {0}", e.toString());
        }
    }

    private void loadNewVersion(ModelLocation m) {
        Optional<String> signature = settledSignature(m);
        if (signature.isEmpty() || signature.get().equals(failedLoads.get(m.name()))) {
            return;
        }
        LOG.log(System.Logger.Level.INFO, "new version {0} of {1}: loading it", m.version(), m.name());
        try {
            reload(m.name()).join();
            latestVersions.put(m.name(), m.version());
            failedLoads.remove(m.name());
        } catch (CompletionException e) {
            failedLoads.put(m.name(), signature.get());
            LOG.log(
                    System.Logger.Level.WARNING,
                    "version {0} of {1} did not load, the old version keeps serving; it is tried again when"
                            + " {2} changes: {3}",
                    m.version(),
                    m.name(),
                    m.modelFile(),
                    e.getCause() == null ? e.toString() : e.getCause().getMessage());
        }
    }

    /** Size and modification time of the model file, once it has not changed for a second. */
    private static Optional<String> settledSignature(ModelLocation m) {
        try {
            FileTime modified = Files.getLastModifiedTime(m.modelFile());
            if (modified.toInstant().isAfter(Instant.now().minus(SETTLE))) {
                return Optional.empty();
            }
            return Optional.of(m.version() + ":" + Files.size(m.modelFile()) + ":" + modified.toMillis());
        } catch (IOException e) {
            return Optional.empty(); // removed or renamed since the scan: look again next time
        }
    }

    private static InferenceException unknown(String model) {
        return InferenceException.notFound("unknown model '" + model + "'");
    }
}
