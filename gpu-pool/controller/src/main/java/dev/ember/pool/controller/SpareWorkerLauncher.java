package dev.ember.pool.controller;

import dev.ember.pool.api.Parameters;
import dev.ember.pool.api.http.HttpPoolClient;
import dev.ember.pool.worker.WorkerProcess;
import dev.ember.pool.worker.warmup.ColdStart;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Launches workers from spare runtimes: JVMs started ahead of need, with ONNX Runtime initialised
 * and no model, waiting to be told which model to load. A cold start then costs the model's load
 * and warmup only — the JVM start and runtime init were paid while nobody waited. After each
 * launch (once its worker is ready) a new spare is started in the background, so one is ready for
 * the next.
 *
 * <p>Each phase of every cold start is recorded in {@code ember_cold_start_seconds{phase}}:
 * {@code spawn} and {@code runtime_init} when a spare starts, {@code model_load} and {@code
 * warmup} when it becomes a model's worker; {@code ember_pool_spares} is how many spares are
 * practised and waiting now.
 */
final class SpareWorkerLauncher implements WorkerLauncher {
    private static final System.Logger LOG = System.getLogger(SpareWorkerLauncher.class.getName());

    private final WorkerProcess.Launch launch;
    private final Path models;
    private final List<String> workerArgs;
    private final int spares;
    private final Duration startTimeout;
    private final MeterRegistry registry;
    private final Clock clock;
    private final ExecutorService starter = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "ember-spare-starter");
        t.setDaemon(true);
        return t;
    });
    private final Deque<WorkerProcess> ready = new ArrayDeque<>();
    private int starting;
    private volatile boolean closed;

    SpareWorkerLauncher(
            WorkerProcess.Launch launch,
            Path models,
            List<String> workerArgs,
            int spares,
            Duration startTimeout,
            MeterRegistry registry,
            Clock clock) {
        this.launch = launch;
        this.models = models;
        this.workerArgs = workerArgs;
        this.spares = spares;
        this.startTimeout = startTimeout;
        this.registry = registry;
        this.clock = clock;
        Gauge.builder("ember.pool.spares", this, SpareWorkerLauncher::spareCount)
                .description("Spare runtimes started, practised and waiting for a model")
                .register(registry);
        replenish();
    }

    @Override
    public CompletableFuture<WorkerHandle> launch(String model, long upToVersion) {
        WorkerProcess spare = takeSpare();
        CompletableFuture<WorkerProcess> process = spare != null
                ? CompletableFuture.completedFuture(spare)
                : CompletableFuture.supplyAsync(this::startSpare, starter);
        // The next spare starts once this worker is ready, not beside its model load: a JVM start
        // takes seconds of CPU, which on a small machine the cold start in progress would wait for.
        return process.thenCompose(p -> {
                    HttpPoolClient client = new HttpPoolClient(p.uri());
                    return client.loadModel(model, false, OptionalLong.of(upToVersion))
                            .thenApply(report -> {
                                record(ColdStart.PHASE_MODEL_LOAD, millis(report, "model_load_ms"));
                                record(ColdStart.PHASE_WARMUP, millis(report, "warmup_ms"));
                                return new WorkerHandle(model, p, client, clock.instant());
                            })
                            .whenComplete((w, e) -> {
                                if (e != null) {
                                    client.close();
                                    p.kill();
                                }
                            });
                })
                .whenComplete((w, e) -> replenish());
    }

    /** Spares started, practised (announced ready) and waiting. */
    synchronized int spareCount() {
        return ready.size();
    }

    private synchronized WorkerProcess takeSpare() {
        while (!ready.isEmpty()) {
            WorkerProcess p = ready.pollFirst();
            if (p.isAlive()) {
                return p;
            }
        }
        return null;
    }

    private void replenish() {
        int toStart;
        synchronized (this) {
            toStart = closed ? 0 : spares - ready.size() - starting;
            starting += Math.max(0, toStart);
        }
        for (int i = 0; i < toStart; i++) {
            CompletableFuture.supplyAsync(this::startSpare, starter).whenComplete((p, e) -> {
                synchronized (this) {
                    starting--;
                    if (p != null) {
                        if (closed) {
                            p.kill();
                        } else {
                            ready.addLast(p);
                        }
                    }
                }
                if (e != null) {
                    LOG.log(System.Logger.Level.WARNING, "a spare worker failed to start: {0}", e.getMessage());
                }
            });
        }
    }

    private WorkerProcess startSpare() {
        WorkerProcess p = WorkerProcess.start(launch, models, spareArgs(), startTimeout, false);
        long runtimeInit = p.reportedPhases().getOrDefault("runtime_init_ms", 0L);
        record(ColdStart.PHASE_RUNTIME_INIT, runtimeInit);
        record(ColdStart.PHASE_SPAWN, Math.max(0, p.startupTime().toMillis() - runtimeInit));
        return p;
    }

    private List<String> spareArgs() {
        List<String> args = new java.util.ArrayList<>(workerArgs);
        args.add("--spare");
        if (!workerArgs.contains("--spare-device")) {
            args.add("--spare-device");
            args.add(SpareDevice.forRepository(models).toString());
        }
        return args;
    }

    private void record(String phase, long millis) {
        Timer.builder("ember.cold.start")
                .description("Time spent making a model servable, by phase")
                .tag("phase", phase)
                .publishPercentileHistogram()
                .register(registry)
                .record(Duration.ofMillis(millis));
    }

    private static long millis(Parameters report, String key) {
        return report.integer(key).orElse(0L);
    }

    @Override
    public void close() {
        List<WorkerProcess> left;
        synchronized (this) {
            closed = true;
            left = List.copyOf(ready);
            ready.clear();
        }
        left.forEach(p -> p.stop(Duration.ofSeconds(10)));
        starter.shutdownNow();
    }
}
