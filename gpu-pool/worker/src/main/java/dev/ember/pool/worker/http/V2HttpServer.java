package dev.ember.pool.worker.http;

import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.InferenceResponse;
import dev.ember.pool.api.PriorityClass;
import dev.ember.pool.api.Protocol;
import dev.ember.pool.api.Tensor;
import dev.ember.pool.api.codec.EncodedBody;
import dev.ember.pool.api.codec.InferenceCodec;
import dev.ember.pool.worker.metrics.WorkerMetrics;
import dev.ember.pool.worker.serving.InferenceService;
import dev.ember.pool.worker.serving.LoadReport;
import dev.ember.pool.worker.serving.RequestOptions;
import dev.ember.pool.worker.warmup.ColdStart;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Open Inference Protocol over HTTP/1.1 (Vert.x): a thin adapter that decodes, calls {@link
 * InferenceService}, and encodes. Large bodies are decoded off the event loop.
 *
 * <pre>
 * GET  /v2                                      server metadata
 * GET  /v2/health/live | /v2/health/ready       200, or 503 when not ready
 * GET  /v2/models/{m}[/versions/{v}]            model metadata
 * GET  /v2/models/{m}[/versions/{v}]/ready      200, or 503
 * POST /v2/models/{m}[/versions/{v}]/infer      inference (JSON or binary tensor extension)
 * POST /v2/repository/index                     models and their readiness
 * POST /v2/repository/models/{m}/load           load or refresh from disk (new versions warmed, then switched;
 *                                               with ?stage=true reachable only by version until promoted)
 * POST /v2/repository/models/{m}/unload         stop serving (queued requests finish)
 * POST /v2/repository/models/{m}/promote        a canary takes all traffic (Ember extension)
 * GET  /metrics                                 Prometheus
 * </pre>
 */
public final class V2HttpServer implements AutoCloseable {
    private static final int DECODE_OFF_LOOP_BYTES = 256 * 1024;

    private final Vertx vertx;
    private final InferenceService service;
    private final WorkerMetrics metrics;
    private final long maxBodyBytes;
    private final InferenceCodec codec = new InferenceCodec();
    private final HttpErrors errors = new HttpErrors(codec);
    private final AtomicInteger inFlight = new AtomicInteger();
    private final int eventLoops;
    private String deployment;

    public V2HttpServer(Vertx vertx, InferenceService service, WorkerMetrics metrics, long maxBodyBytes) {
        this(vertx, service, metrics, maxBodyBytes, 1);
    }

    /**
     * @param eventLoops listeners on the port, one per event loop: Vert.x serves every connection of
     *     one listener on one event loop, which on the H200 host capped the worker at ~200 requests/s
     *     of 4.9 MB images (about 1 GB/s through a single thread) however many loops it had
     */
    public V2HttpServer(
            Vertx vertx, InferenceService service, WorkerMetrics metrics, long maxBodyBytes, int eventLoops) {
        this.eventLoops = Math.max(1, eventLoops);
        this.vertx = vertx;
        this.service = service;
        this.metrics = metrics;
        this.maxBodyBytes = maxBodyBytes;
    }

    /** Binds and returns the port actually bound (useful with port 0). */
    public int start(String host, int port) {
        Router router = Router.router(vertx);
        BoundedBody body = new BoundedBody(maxBodyBytes);
        router.get("/v2").handler(this::serverMetadata);
        router.get("/v2/health/live")
                .handler(ctx -> ctx.response().setStatusCode(200).end());
        router.get("/v2/health/ready")
                .handler(ctx -> ctx.response()
                        .setStatusCode(service.ready() ? 200 : 503)
                        .end());
        router.get("/v2/models/:model").handler(this::metadata);
        router.get("/v2/models/:model/versions/:version").handler(this::metadata);
        router.get("/v2/models/:model/ready").handler(this::modelReady);
        router.get("/v2/models/:model/versions/:version/ready").handler(this::modelReady);
        router.post("/v2/models/:model/infer").handler(body).handler(this::infer);
        router.post("/v2/models/:model/versions/:version/infer").handler(body).handler(this::infer);
        router.route("/v2/repository/index").handler(this::index);
        router.post("/v2/repository/models/:model/load").handler(ctx -> repository(ctx, "load"));
        router.post("/v2/repository/models/:model/unload").handler(ctx -> repository(ctx, "unload"));
        router.post("/v2/repository/models/:model/promote").handler(ctx -> repository(ctx, "promote"));
        router.get("/metrics")
                .handler(ctx -> ctx.response()
                        .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                        .end(metrics.scrape()));
        router.route().failureHandler(this::failure);
        router.errorHandler(
                404,
                ctx -> errors.send(
                        ctx.response(),
                        404,
                        "no such endpoint: " + ctx.request().method() + " "
                                + ctx.request().path(),
                        null));
        router.errorHandler(
                405,
                ctx -> errors.send(
                        ctx.response(),
                        405,
                        ctx.request().method() + " is not allowed on "
                                + ctx.request().path(),
                        null));
        HttpServerOptions options = new HttpServerOptions()
                .setHost(host)
                .setPort(port)
                .setTcpNoDelay(true)
                .setHandle100ContinueAutomatically(true) // curl sends Expect: 100-continue past 1 KiB
                .setHttp2ClearTextEnabled(false) // HTTP/1.1 only: a client's h2c upgrade attempt is ignored
                .setCompressionSupported(false)
                .setMaxInitialLineLength(8192);
        // One listener per event loop, all on one port (a negative port: one random port they share).
        options.setPort(port == 0 ? -1 : port);
        int[] bound = {0};
        deployment = join(vertx.deployVerticle(
                        () -> new AbstractVerticle() {
                            @Override
                            public void start(Promise<Void> started) {
                                vertx.createHttpServer(options)
                                        .requestHandler(router)
                                        .listen()
                                        .onSuccess(s -> {
                                            synchronized (bound) {
                                                bound[0] = s.actualPort();
                                            }
                                            started.complete();
                                        })
                                        .onFailure(started::fail);
                            }
                        },
                        new DeploymentOptions().setInstances(eventLoops))
                .toCompletionStage()
                .toCompletableFuture());
        synchronized (bound) {
            return bound[0];
        }
    }

    /** Waits for responses already being answered, then closes the listener and its connections. */
    @Override
    public void close() {
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < until) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (deployment != null) {
            join(vertx.undeploy(deployment).toCompletionStage().toCompletableFuture());
        }
    }

    private void infer(RoutingContext ctx) {
        String model = ctx.pathParam("model");
        String version = ctx.pathParam("version");
        byte[] body = BoundedBody.of(ctx);
        Context context = vertx.getOrCreateContext();
        HttpServerResponse response = ctx.response();
        inFlight.incrementAndGet();
        response.endHandler(v -> inFlight.decrementAndGet());
        response.closeHandler(v -> {
            if (!response.ended()) {
                inFlight.decrementAndGet();
            }
        });
        CompletableFuture<Decoded> decoded;
        try {
            service.resolve(model, version); // an unknown model is a 404 whatever the body holds
            int jsonLength = headerLength(ctx);
            RequestOptions options = options(ctx);
            if (body.length >= DECODE_OFF_LOOP_BYTES) {
                decoded = vertx.<Decoded>executeBlocking(
                                () -> new Decoded(codec.decodeRequest(body, jsonLength), options), false)
                        .toCompletionStage()
                        .toCompletableFuture();
            } else {
                decoded =
                        CompletableFuture.completedFuture(new Decoded(codec.decodeRequest(body, jsonLength), options));
            }
        } catch (RuntimeException e) {
            errors.send(response, e);
            return;
        }
        decoded.thenCompose(d -> service.infer(model, version, d.request(), d.options())
                        .thenCompose(r -> encode(r, d.request())))
                .whenComplete((encoded, failure) -> context.runOnContext(v -> {
                    if (failure != null) {
                        errors.send(response, failure);
                    } else {
                        send(response, encoded);
                    }
                }));
    }

    private record Decoded(InferenceRequest request, RequestOptions options) {}

    /**
     * Encodes an answer. A large one (a 640x640 detection map is 1.6 MB) is encoded on Vert.x's
     * worker pool, like a large body is decoded: the future completes on the batch's runner thread,
     * which should go back to the GPU rather than copy every answer of its batch in turn.
     */
    private CompletableFuture<EncodedBody> encode(InferenceResponse r, InferenceRequest request) {
        long bytes = 0;
        for (Tensor t : r.outputs()) {
            bytes += t.byteSize();
        }
        var binary = InferenceCodec.binaryOutputs(request);
        if (bytes < DECODE_OFF_LOOP_BYTES) {
            return CompletableFuture.completedFuture(codec.encodeResponse(r, binary));
        }
        return vertx.<EncodedBody>executeBlocking(() -> codec.encodeResponse(r, binary), false)
                .toCompletionStage()
                .toCompletableFuture();
    }

    private static void send(HttpServerResponse response, EncodedBody body) {
        if (response.closed()) {
            return;
        }
        response.setStatusCode(200).putHeader("Content-Type", body.contentType());
        if (body.binary()) {
            response.putHeader(Protocol.HEADER_CONTENT_LENGTH, Integer.toString(body.jsonLength()));
        }
        response.end(Buffer.buffer(body.bytes()));
    }

    private void metadata(RoutingContext ctx) {
        try {
            byte[] json = codec.encodeMetadata(service.metadata(ctx.pathParam("model"), ctx.pathParam("version")));
            ctx.response().putHeader("Content-Type", "application/json").end(Buffer.buffer(json));
        } catch (RuntimeException e) {
            errors.send(ctx.response(), e);
        }
    }

    private void modelReady(RoutingContext ctx) {
        try {
            boolean ready = service.modelReady(ctx.pathParam("model"), ctx.pathParam("version"));
            ctx.response().setStatusCode(ready ? 200 : 503).end();
        } catch (RuntimeException e) {
            errors.send(ctx.response(), e);
        }
    }

    private void index(RoutingContext ctx) {
        ctx.response()
                .putHeader("Content-Type", "application/json")
                .end(Buffer.buffer(codec.encodeIndex(service.index())));
    }

    /** Repository changes load sessions and run warmup: off the event loop, one at a time. */
    private void repository(RoutingContext ctx, String action) {
        String model = ctx.pathParam("model");
        HttpServerResponse response = ctx.response();
        vertx.<byte[]>executeBlocking(
                        () -> switch (action) {
                            case "load" ->
                                loadReport(service.loadModel(
                                        model,
                                        "true".equals(ctx.queryParams().get("stage")),
                                        upTo(ctx.queryParams().get("up_to"))));
                            case "unload" -> {
                                service.unloadModel(model);
                                yield codec.encodeObject(Map.of("model", model, "unloaded", true));
                            }
                            default -> {
                                service.promote(model);
                                yield codec.encodeObject(Map.of("model", model, "promoted", true));
                            }
                        },
                        true)
                .onComplete(ar -> {
                    if (ar.succeeded()) {
                        response.putHeader("Content-Type", "application/json").end(Buffer.buffer(ar.result()));
                    } else {
                        errors.send(response, ar.cause());
                    }
                });
    }

    /** The {@code up_to} query parameter of a load: the newest version to serve; absent, every version. */
    private static long upTo(String value) {
        if (value == null) {
            return Long.MAX_VALUE;
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw InferenceException.badInput("up_to must be a version number, got '" + value + "'");
        }
    }

    private byte[] loadReport(LoadReport report) {
        Map<String, Object> flat = new LinkedHashMap<>();
        flat.put("model", report.model());
        flat.put("loaded", String.join(",", report.loaded().keySet()));
        flat.put("retired", String.join(",", report.retired()));
        long loadMs = 0;
        long warmupMs = 0;
        for (ColdStart c : report.loaded().values()) {
            loadMs += c.modelLoad().toMillis();
            warmupMs += c.warmup().toMillis();
        }
        flat.put("model_load_ms", loadMs);
        flat.put("warmup_ms", warmupMs);
        if (report.canary() != null) {
            flat.put("canary", report.canary());
        }
        return codec.encodeObject(flat);
    }

    private void serverMetadata(RoutingContext ctx) {
        String version = Optional.ofNullable(getClass().getPackage().getImplementationVersion())
                .orElse("dev");
        ctx.response()
                .putHeader("Content-Type", "application/json")
                .end(Buffer.buffer(codec.encodeServerMetadata(
                        "ember-worker", version, List.of("binary_tensor_data", "ember_priority"))));
    }

    private void failure(RoutingContext ctx) {
        if (ctx.statusCode() == 413) {
            errors.send(
                    ctx.response(),
                    413,
                    "request body is larger than the limit of " + maxBodyBytes + " bytes; send fewer rows per request",
                    null);
        } else if (ctx.failure() != null) {
            errors.send(ctx.response(), ctx.failure());
        } else {
            errors.send(ctx.response(), ctx.statusCode(), "request failed with status " + ctx.statusCode(), null);
        }
    }

    private static int headerLength(RoutingContext ctx) {
        String value = ctx.request().getHeader(Protocol.HEADER_CONTENT_LENGTH);
        if (value == null) {
            return -1;
        }
        try {
            int n = Integer.parseInt(value.trim());
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw InferenceException.badInput(
                    Protocol.HEADER_CONTENT_LENGTH + " must be a non-negative integer, got '" + value + "'");
        }
    }

    private static RequestOptions options(RoutingContext ctx) {
        Optional<PriorityClass> priority = Optional.ofNullable(ctx.request().getHeader(Protocol.HEADER_PRIORITY))
                .map(PriorityClass::fromWire);
        Optional<Duration> timeout = Optional.ofNullable(ctx.request().getHeader(Protocol.HEADER_TIMEOUT_MS))
                .map(v -> {
                    try {
                        return Duration.ofMillis(Long.parseLong(v.trim()));
                    } catch (NumberFormatException e) {
                        throw InferenceException.badInput(Protocol.HEADER_TIMEOUT_MS
                                + " must be an integer number of milliseconds, got '" + v + "'");
                    }
                });
        return new RequestOptions(priority, timeout);
    }

    private static <T> T join(CompletableFuture<T> f) {
        try {
            return f.join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }
}
