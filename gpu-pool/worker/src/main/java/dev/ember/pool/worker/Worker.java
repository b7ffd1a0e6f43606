package dev.ember.pool.worker;

import ai.onnxruntime.OrtEnvironment;
import dev.ember.pool.worker.http.V2HttpServer;
import dev.ember.pool.worker.metrics.WorkerMetrics;
import dev.ember.pool.worker.repository.ModelRepository;
import dev.ember.pool.worker.runtime.OptimizedModelCache;
import dev.ember.pool.worker.serving.InferenceService;
import dev.ember.pool.worker.warmup.ColdStart;
import dev.ember.pool.worker.warmup.HttpPractice;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A running worker: models loaded, HTTP bound. {@link #close} is the graceful path: refuse new
 * work (503), finish everything queued, answer it, then release the port and the sessions.
 */
public final class Worker implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Worker.class.getName());

    private final WorkerConfig config;
    private final Vertx vertx;
    private final InferenceService service;
    private final V2HttpServer server;
    private final int port;
    private final Duration runtimeInit;
    private StopReport stopped;

    private Worker(
            WorkerConfig config,
            Vertx vertx,
            InferenceService service,
            V2HttpServer server,
            int port,
            Duration runtimeInit) {
        this.runtimeInit = runtimeInit;
        this.config = config;
        this.vertx = vertx;
        this.service = service;
        this.server = server;
        this.port = port;
    }

    public static Worker start(WorkerConfig config) {
        WorkerMetrics metrics = new WorkerMetrics();
        // ONNX Runtime's native library is loaded (and unpacked) once per process: the phase a
        // spare runtime pays ahead of time.
        long start = System.nanoTime();
        OrtEnvironment.getEnvironment();
        Duration runtimeInit = Duration.ofNanos(System.nanoTime() - start);
        metrics.coldStart(ColdStart.PHASE_RUNTIME_INIT, runtimeInit);
        InferenceService service = new InferenceService(
                new ModelRepository(config.models(), config.only(), config.upToVersion()),
                metrics,
                config.cacheDir().map(OptimizedModelCache::new),
                config.drainTimeout());
        if (config.spare().isPresent()) {
            Duration practice = service.practice(config.spare().get());
            LOG.log(System.Logger.Level.INFO, "spare runtime ready (practice run {0} ms)", practice.toMillis());
            service.startEmpty();
        } else {
            service.load();
        }
        Vertx vertx = Vertx.vertx(new VertxOptions()
                .setEventLoopPoolSize(config.eventLoops())
                .setWorkerPoolSize(Math.max(2, config.eventLoops()))
                .setBlockedThreadCheckInterval(10)
                .setBlockedThreadCheckIntervalUnit(TimeUnit.SECONDS));
        try {
            V2HttpServer server = new V2HttpServer(vertx, service, metrics, config.maxBodyBytes(), config.eventLoops());
            int port = server.start(config.host(), config.port());
            if (config.spare().isPresent()) {
                practiseOverHttp(service, config, port);
            }
            return new Worker(config, vertx, service, server, port, runtimeInit);
        } catch (RuntimeException e) {
            vertx.close();
            service.close();
            throw e;
        }
    }

    /** A spare practises its request path over its own listener before it is announced. */
    private static void practiseOverHttp(InferenceService service, WorkerConfig config, int port) {
        String host = config.host().equals("0.0.0.0") || config.host().equals("::") ? "127.0.0.1" : config.host();
        try (AutoCloseable practising = service.servePractice(config.spare().get())) {
            HttpPractice.Result practice = HttpPractice.run(
                    URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port),
                    HTTP_PRACTICE_ROUNDS,
                    HTTP_PRACTICE_FLOATS);
            LOG.log(
                    System.Logger.Level.INFO,
                    "spare practised over HTTP: {0} requests in {1} ms",
                    practice.sent(),
                    practice.took().toMillis());
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "spare practice over HTTP failed (the spare still serves): {0}", e);
        }
    }

    /** Rounds of {@link HttpPractice}: enough for the JIT to compile the request path (C1 at ~200 calls). */
    private static final int HTTP_PRACTICE_ROUNDS = 60;

    /** The large practice request: 320 KiB of floats, above the size decoded and encoded off the event loop. */
    private static final int HTTP_PRACTICE_FLOATS = 80 << 10;

    public int port() {
        return port;
    }

    public InferenceService service() {
        return service;
    }

    /** How long initialising ONNX Runtime took in this process. */
    public Duration runtimeInit() {
        return runtimeInit;
    }

    /** What a stop did: whether every queued request finished, and how long it took. */
    public record StopReport(boolean drained, Duration took) {
        @Override
        public String toString() {
            return "stopped" + (drained ? " after draining every queued request" : " with requests still queued")
                    + " in " + took.toMillis() + " ms";
        }
    }

    /**
     * Stops gracefully: refuse new work (503), finish everything queued, answer it, release the port
     * and the sessions. Idempotent; later calls report the first stop.
     */
    public synchronized StopReport stop() {
        if (stopped != null) {
            return stopped;
        }
        long start = System.nanoTime();
        boolean drained = false;
        try {
            drained = service.drain(config.drainTimeout());
            if (!drained) {
                LOG.log(
                        System.Logger.Level.WARNING,
                        "requests still queued after {0} s of draining; stopping anyway",
                        config.drainTimeout().toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server.close();
        service.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
        stopped = new StopReport(drained, Duration.ofNanos(System.nanoTime() - start));
        return stopped;
    }

    @Override
    public void close() {
        stop();
    }
}
