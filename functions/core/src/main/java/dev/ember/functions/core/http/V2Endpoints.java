package dev.ember.functions.core.http;

import dev.ember.functions.core.InferenceGateway;
import dev.ember.pool.api.codec.InferenceCodec;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The Open Inference Protocol's server and model endpoints on the functions (inference itself is
 * {@link InferenceEndpoint}); statuses and bodies as the worker answers them.
 *
 * <pre>
 * GET /v2                                   server metadata
 * GET /v2/health/live | /v2/health/ready    200 while the process serves (see {@link #ready})
 * GET /v2/models/{m}[/versions/{v}]         model metadata, from the gateway's catalog
 * GET /v2/models/{m}[/versions/{v}]/ready   200, or 503 when the pool cannot run it now
 * </pre>
 *
 * Model endpoints take the same API key as inference, and a tenant sees only the models its plan
 * allows.
 */
final class V2Endpoints {
    static final String SERVER_NAME = "ember";
    static final List<String> EXTENSIONS = List.of("binary_tensor_data", "ember_priority", "ember_cache");

    private final InferenceGateway gateway;
    private final InferenceCodec codec;
    private final byte[] serverMetadata;

    V2Endpoints(InferenceGateway gateway, InferenceCodec codec) {
        this.gateway = gateway;
        this.codec = codec;
        String version = Optional.ofNullable(getClass().getPackage().getImplementationVersion())
                .orElse("dev");
        this.serverMetadata = codec.encodeServerMetadata(SERVER_NAME, version, EXTENSIONS);
    }

    List<Route> routes() {
        return List.of(
                Route.get("/v2", (call, path) -> done(HttpReply.json(200, serverMetadata))),
                Route.get("/v2/health/live", (call, path) -> done(HttpReply.empty(200))),
                Route.get("/v2/health/ready", this::ready),
                Route.get("/v2/models/{model}", this::metadata),
                Route.get("/v2/models/{model}/versions/{version}", this::metadata),
                Route.get("/v2/models/{model}/ready", this::modelReady),
                Route.get("/v2/models/{model}/versions/{version}/ready", this::modelReady));
    }

    /**
     * Ready as long as the process serves: the functions answer even when the pool cannot (a
     * fallback model, a stale cached answer, a 503 with Retry-After), and an instance taken out of
     * rotation because the pool is down would serve none of those. Whether a model can run is
     * {@code /v2/models/{m}/ready}.
     */
    private CompletableFuture<HttpReply> ready(HttpCall call, Map<String, String> path) {
        return done(HttpReply.empty(200));
    }

    private CompletableFuture<HttpReply> metadata(HttpCall call, Map<String, String> path) {
        CallOptions options = CallOptions.of(call.headers());
        return gateway.metadata(options.apiKeyOrNull(), path.get("model"), path.get("version"))
                .thenApply(m -> HttpReply.json(200, codec.encodeMetadata(m)));
    }

    private CompletableFuture<HttpReply> modelReady(HttpCall call, Map<String, String> path) {
        CallOptions options = CallOptions.of(call.headers());
        return gateway.modelReady(options.apiKeyOrNull(), path.get("model"), path.get("version"))
                .thenApply(ready -> HttpReply.empty(ready ? 200 : 503));
    }

    private static CompletableFuture<HttpReply> done(HttpReply reply) {
        return CompletableFuture.completedFuture(reply);
    }
}
