package dev.ember.functions.knative;

import dev.ember.functions.core.GatewayAnswer;
import dev.ember.functions.core.GatewayRequest;
import dev.ember.functions.core.InferenceGateway;
import dev.ember.functions.core.http.AnswerReplies;
import dev.ember.functions.core.http.CallOptions;
import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.ModelStatus;
import dev.ember.pool.api.codec.InferenceCodec;
import dev.ember.pool.api.codec.RoutedRequest;
import io.quarkus.funqy.Context;
import io.quarkus.funqy.Funq;
import io.quarkus.funqy.knative.events.CloudEvent;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * The functions. {@code infer} takes a v2 inference request plus {@code "model"} (and optionally
 * {@code "version"}) as a plain JSON POST to {@code /infer} or as a {@code
 * dev.ember.inference.requested} CloudEvent (binary or structured mode), and answers the v2
 * response, as a {@code dev.ember.inference.completed} event for events. Event routing is in {@code
 * application.properties}; failures become statuses in {@link HttpErrors}. Headers ({@code
 * Authorization}, {@code Ember-Priority}, ...) mean what they mean on the v2 routes ({@link CallOptions}).
 */
public class InferFunction {
    /** CloudEvent extension attribute carrying the API key, for events that arrive without HTTP headers. */
    static final String API_KEY_ATTRIBUTE = "apikey";

    @Inject
    InferenceGateway gateway;

    @Inject
    InferenceCodec codec;

    @Inject
    CurrentVertxRequest http;

    private AnswerReplies replies;

    @jakarta.annotation.PostConstruct
    void init() {
        replies = new AnswerReplies(codec, Runnable::run, Integer.MAX_VALUE); // Funqy encodes on its own thread
    }

    @Funq
    public Uni<EncodedJson> infer(InferBody body, @Context CloudEvent<?> event) {
        RoutingContext ctx = http.getCurrent();
        // Funqy calls functions off the event loop: decoding a large body here blocks no I/O.
        return Uni.createFrom().completionStage(() -> {
            // Headers are read as on every door; a malformed one fails first.
            CallOptions options = CallOptions.of(ctx.request().headers()::get);
            String apiKey = options.apiKey().or(() -> eventApiKey(event)).orElse(null);
            boolean ownBody = body == null || body.json() == null;
            RoutedRequest routed = ownBody
                    ? codec.decodeRoutedRequest(httpBody(ctx), options.jsonLength())
                    : codec.decodeRoutedRequest(body.json(), -1);
            InferenceRequest request = routed.request();
            return gateway.answer(
                            new GatewayRequest(apiKey, routed.model(), routed.version(), options.applyTo(request)))
                    .thenApply(answer -> encode(answer, request));
        });
    }

    /**
     * The models the pool serves, and whether each is ready to take requests; with authentication
     * on, only those the caller's key may use (no key: 401).
     */
    @Funq
    public Uni<List<ModelStatus>> models(@Context CloudEvent<?> event) {
        RoutingContext ctx = http.getCurrent();
        return Uni.createFrom().completionStage(() -> {
            CallOptions options = CallOptions.of(ctx.request().headers()::get);
            return gateway.models(options.apiKey().or(() -> eventApiKey(event)).orElse(null));
        });
    }

    /**
     * Liveness, for the platform's probe (and the gateway bench's framework floor): answers while
     * the process serves HTTP, touching neither Redis nor the pool, so a slow dependency never gets a
     * live instance restarted.
     */
    @Funq
    public Liveness live() {
        return Liveness.LIVE;
    }

    /** The body of {@code GET /live}. */
    public record Liveness(boolean live) {
        static final Liveness LIVE = new Liveness(true);
    }

    /**
     * JSON only: the body is written by Funqy, which has no way to send the binary extension. A
     * hit's JSON is its entry's, encoded once; anything else is encoded when Funqy serializes, on
     * its worker thread, not on the I/O thread the gateway may complete on.
     */
    private EncodedJson encode(GatewayAnswer answer, InferenceRequest request) {
        return EncodedJson.later(
                () -> new String(replies.body(answer, request, name -> false).bytes(), StandardCharsets.UTF_8));
    }

    private static byte[] httpBody(RoutingContext ctx) {
        Buffer body = ctx.body().buffer();
        return body == null ? new byte[0] : body.getBytes();
    }

    /**
     * The event's {@code apikey} attribute, for a call without a key in its headers: an event
     * relayed by a broker keeps its attributes but not the sender's HTTP headers.
     */
    private static Optional<String> eventApiKey(CloudEvent<?> event) {
        if (event == null) {
            return Optional.empty();
        }
        return Optional.ofNullable(event.extensions().get(API_KEY_ATTRIBUTE)).filter(k -> !k.isBlank());
    }
}
