package dev.ember.functions.knative;

import dev.ember.functions.core.http.CallOptions;
import dev.ember.functions.core.http.JobReplies;
import dev.ember.functions.core.jobs.JobEngine;
import dev.ember.functions.core.jobs.Submission;
import dev.ember.pool.api.InferenceException;
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
import java.util.Optional;

/**
 * The async doors as Funqy functions. {@code submit} takes what {@code infer} takes (a v2 request
 * plus {@code "model"}), as a {@code dev.ember.inference.submitted} CloudEvent (binary or
 * structured mode) or a plain JSON POST to {@code /submit}, and answers at once with the job's id
 * ({@code dev.ember.inference.accepted} for events); the result follows as a {@code
 * dev.ember.inference.completed} event to the sink. The event's {@code source} + {@code id} make a
 * redelivered event the same job; its {@code callback} attribute (or the {@code Ember-Callback}
 * header) names where the result goes. {@code result} answers a job's status ({@code {"id": ...}},
 * or a {@code dev.ember.inference.result.requested} event).
 */
public class JobFunctions {
    /** CloudEvent extension attribute naming where the completion event goes. */
    static final String CALLBACK_ATTRIBUTE = "callback";

    @Inject
    JobEngine jobs;

    @Inject
    InferenceCodec codec;

    @Inject
    CurrentVertxRequest http;

    @Funq
    public Uni<EncodedJson> submit(InferBody body, @Context CloudEvent<?> event) {
        RoutingContext ctx = http.getCurrent();
        return Uni.createFrom().completionStage(() -> {
            CallOptions options = CallOptions.of(ctx.request().headers()::get);
            String apiKey = options.apiKey()
                    .or(() -> attribute(event, InferFunction.API_KEY_ATTRIBUTE))
                    .orElse(null);
            RoutedRequest routed = body == null || body.json() == null
                    ? codec.decodeRoutedRequest(httpBody(ctx), options.jsonLength())
                    : codec.decodeRoutedRequest(body.json(), -1);
            Optional<String> idempotency = event != null && event.id() != null && event.source() != null
                    ? Optional.of(event.source() + " " + event.id())
                    : Optional.ofNullable(ctx.request().getHeader("Idempotency-Key"));
            String callback =
                    attribute(event, CALLBACK_ATTRIBUTE).orElse(ctx.request().getHeader("Ember-Callback"));
            Submission s = Submission.job(apiKey, routed.model(), routed.version(), options.applyTo(routed.request()))
                    .withIdempotencyKey(idempotency.orElse(null))
                    .withCallback(callback);
            return jobs.submit(s).thenApply(r -> {
                ctx.response().putHeader("Location", JobReplies.location(r.id()));
                byte[] json = JobReplies.receipt(r, r.duplicate() ? "accepted" : "queued");
                return EncodedJson.later(() -> new String(json, StandardCharsets.UTF_8));
            });
        });
    }

    /** A job's status, or a batch's progress with its first page of jobs; 404 when unknown or expired. */
    @Funq
    public Uni<EncodedJson> result(JobQuery query, @Context CloudEvent<?> event) {
        RoutingContext ctx = http.getCurrent();
        return Uni.createFrom().completionStage(() -> {
            if (query == null || query.id() == null || query.id().isBlank()) {
                throw InferenceException.badInput("result takes {\"id\": \"<job id>\"}");
            }
            String apiKey = CallOptions.of(ctx.request().headers()::get)
                    .apiKey()
                    .or(() -> attribute(event, InferFunction.API_KEY_ATTRIBUTE))
                    .orElse(null);
            int offset = query.offset() == null ? 0 : query.offset();
            int limit = query.limit() == null ? 100 : query.limit();
            return jobs.job(apiKey, query.id()).thenCompose(job -> {
                if (job.isPresent()) {
                    byte[] json = JobReplies.job(job.get());
                    return java.util.concurrent.CompletableFuture.completedFuture(
                            EncodedJson.later(() -> new String(json, StandardCharsets.UTF_8)));
                }
                return jobs.batch(apiKey, query.id(), offset, limit).thenApply(b -> {
                    byte[] json = JobReplies.batch(
                            b.orElseThrow(() -> InferenceException.notFound("no job '" + query.id() + "'")), limit);
                    return EncodedJson.later(() -> new String(json, StandardCharsets.UTF_8));
                });
            });
        });
    }

    /** The {@code result} function's input. */
    public record JobQuery(String id, Integer offset, Integer limit) {}

    private static byte[] httpBody(RoutingContext ctx) {
        Buffer body = ctx.body().buffer();
        return body == null ? new byte[0] : body.getBytes();
    }

    private static Optional<String> attribute(CloudEvent<?> event, String name) {
        if (event == null || event.extensions() == null) {
            return Optional.empty();
        }
        return Optional.ofNullable(event.extensions().get(name)).filter(v -> !v.isBlank());
    }
}
