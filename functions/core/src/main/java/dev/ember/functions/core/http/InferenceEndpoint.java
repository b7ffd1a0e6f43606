package dev.ember.functions.core.http;

import dev.ember.functions.core.CacheOutcome;
import dev.ember.functions.core.GatewayRequest;
import dev.ember.functions.core.InferenceGateway;
import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.codec.InferenceCodec;
import dev.ember.pool.api.codec.RoutedRequest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * Inference over HTTP: {@code POST /v2/models/{m}[/versions/{v}]/infer} (the model in the path)
 * and {@code POST /infer} (a v2 request that names its model, as the Funqy function takes it),
 * each in JSON or with the binary tensor extension. The body is decoded on the calling thread when
 * small, else on {@code offThread}; the call goes through the {@link InferenceGateway} like every
 * other door; the answer is written by {@link AnswerReplies}. A near-cache hit with a small body
 * completes on the calling thread: no thread hop, no encoding, and from the second time the same
 * bytes come, no decoding either ({@link RequestMemo}).
 */
final class InferenceEndpoint {
    /** Memory for remembered request bodies, per door. */
    private static final long MEMO_BYTES = 32L << 20;

    private final InferenceGateway gateway;
    private final InferenceCodec codec;
    private final Executor offThread;
    private final int offThreadBytes;
    private final AnswerReplies replies;
    /** Bodies repeated hits sent; ones large enough to be decoded off-thread are not kept. */
    private final RequestMemo<InferenceRequest> v2Bodies;

    private final RequestMemo<RoutedRequest> routedBodies;
    /** Where a call with {@code Prefer: respond-async} goes; null: answered synchronously (RFC 7240 allows it). */
    private volatile JobEndpoints async;

    InferenceEndpoint(InferenceGateway gateway, InferenceCodec codec, Executor offThread, int offThreadBytes) {
        this.gateway = gateway;
        this.codec = codec;
        this.offThread = offThread;
        this.offThreadBytes = offThreadBytes;
        this.replies = new AnswerReplies(codec, offThread, offThreadBytes);
        this.v2Bodies = new RequestMemo<>(MEMO_BYTES, offThreadBytes - 1);
        this.routedBodies = new RequestMemo<>(MEMO_BYTES, offThreadBytes - 1);
    }

    void respondAsyncWith(JobEndpoints jobs) {
        this.async = jobs;
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
        String route = version == null ? model : model + "/" + version;
        int jsonLength = options.jsonLength();
        JobEndpoints jobs = async;
        if (jobs != null && JobEndpoints.wantsAsync(call)) {
            return decoded(call, route, jsonLength, v2Bodies, body -> codec.decodeRequest(body, jsonLength))
                    .thenCompose(lookup -> jobs.submit(call, options, model, version, lookup.decoded()));
        }
        return decoded(call, route, jsonLength, v2Bodies, body -> codec.decodeRequest(body, jsonLength))
                .thenCompose(lookup ->
                        infer(options, model, version, lookup.decoded(), () -> v2Bodies.remember(lookup, call.body())));
    }

    private CompletableFuture<HttpReply> routed(HttpCall call, Map<String, String> path) {
        CallOptions options = CallOptions.of(call.headers());
        if (call.body().length == 0) {
            throw InferenceException.badInput(
                    "request body is empty: POST /infer takes a JSON object with \"model\" and \"inputs\"");
        }
        int jsonLength = options.jsonLength();
        return decoded(call, "", jsonLength, routedBodies, body -> codec.decodeRoutedRequest(body, jsonLength))
                .thenCompose(lookup -> {
                    RoutedRequest routed = lookup.decoded();
                    return infer(
                            options,
                            routed.model(),
                            routed.version(),
                            routed.request(),
                            () -> routedBodies.remember(lookup, call.body()));
                });
    }

    /** @param onHit run when the cache answered: the same body is then worth remembering decoded */
    private CompletableFuture<HttpReply> infer(
            CallOptions options, String model, String version, InferenceRequest request, Runnable onHit) {
        return gateway.answer(new GatewayRequest(options.apiKeyOrNull(), model, version, options.applyTo(request)))
                .thenCompose(answer -> {
                    if (answer.outcome() == CacheOutcome.HIT) {
                        onHit.run();
                    }
                    return replies.reply(answer, request);
                });
    }

    /**
     * Decodes on this thread when the body is small (or remembered from an earlier hit), else on
     * {@code offThread}.
     */
    private <T> CompletableFuture<RequestMemo.Lookup<T>> decoded(
            HttpCall call, String route, int jsonLength, RequestMemo<T> memo, Function<byte[], T> decoder) {
        byte[] body = call.body();
        if (body.length < offThreadBytes) {
            return CompletableFuture.completedFuture(memo.decode(route, body, jsonLength, decoder));
        }
        return CompletableFuture.supplyAsync(() -> memo.decode(route, body, jsonLength, decoder), offThread);
    }
}
