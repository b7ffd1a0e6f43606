package dev.ember.functions.core.http;

import dev.ember.functions.core.GatewayRequest;
import dev.ember.functions.core.InferenceGateway;
import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.codec.InferenceCodec;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Inference over HTTP: {@code POST /v2/models/{m}[/versions/{v}]/infer} (the model in the path)
 * and {@code POST /infer} (a v2 request that names its model, as the Funqy function takes it),
 * each in JSON or with the binary tensor extension. The body is decoded on the calling thread when
 * small, else on {@code offThread}; the call goes through the {@link InferenceGateway} like every
 * other door; the answer is written by {@link AnswerReplies}. A near-cache hit with a small body
 * completes on the calling thread: no thread hop, no encoding.
 */
final class InferenceEndpoint {
    private final InferenceGateway gateway;
    private final InferenceCodec codec;
    private final Executor offThread;
    private final int offThreadBytes;
    private final AnswerReplies replies;

    InferenceEndpoint(InferenceGateway gateway, InferenceCodec codec, Executor offThread, int offThreadBytes) {
        this.gateway = gateway;
        this.codec = codec;
        this.offThread = offThread;
        this.offThreadBytes = offThreadBytes;
        this.replies = new AnswerReplies(codec, offThread, offThreadBytes);
    }

    List<Route> routes() {
        return List.of(
                Route.post("/v2/models/{model}/infer", this::v2),
                Route.post("/v2/models/{model}/versions/{version}/infer", this::v2),
                Route.post("/infer", this::routed));
    }

    private CompletableFuture<HttpReply> v2(HttpCall call, Map<String, String> path) {
        CallOptions options = CallOptions.of(call.headers());
        String model = path.get("model");
        String version = path.get("version");
        return decoded(call, body -> codec.decodeRequest(body, options.jsonLength()))
                .thenCompose(request -> infer(options, model, version, request));
    }

    private CompletableFuture<HttpReply> routed(HttpCall call, Map<String, String> path) {
        CallOptions options = CallOptions.of(call.headers());
        if (call.body().length == 0) {
            throw InferenceException.badInput(
                    "request body is empty: POST /infer takes a JSON object with \"model\" and \"inputs\"");
        }
        return decoded(call, body -> codec.decodeRoutedRequest(body, options.jsonLength()))
                .thenCompose(routed -> infer(options, routed.model(), routed.version(), routed.request()));
    }

    private CompletableFuture<HttpReply> infer(
            CallOptions options, String model, String version, InferenceRequest request) {
        return gateway.answer(new GatewayRequest(options.apiKeyOrNull(), model, version, options.applyTo(request)))
                .thenCompose(answer -> replies.reply(answer, request));
    }

    private interface Decoder<T> {
        T decode(byte[] body);
    }

    /** Decodes on this thread when the body is small, else on {@code offThread}. */
    private <T> CompletableFuture<T> decoded(HttpCall call, Decoder<T> decoder) {
        byte[] body = call.body();
        if (body.length < offThreadBytes) {
            return CompletableFuture.completedFuture(decoder.decode(body));
        }
        return CompletableFuture.supplyAsync(() -> decoder.decode(body), offThread);
    }
}
