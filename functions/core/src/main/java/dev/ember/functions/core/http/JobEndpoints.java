package dev.ember.functions.core.http;

import dev.ember.functions.core.jobs.JobEngine;
import dev.ember.functions.core.jobs.JobView;
import dev.ember.functions.core.jobs.Submission;
import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.codec.InferenceCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The async doors of {@link FunctionsApi}, onto one {@link JobEngine}:
 *
 * <ul>
 *   <li>{@code POST /v2/models/{m}[/versions/{v}]/infer} with {@code Prefer: respond-async} (RFC
 *       7240): the request becomes a job; {@code 202}, {@code Location: /jobs/{id}}, {@code {"id":
 *       ..., "status": "queued"}}
 *   <li>{@code POST /v2/models/{m}[/versions/{v}]/batch}: a JSON list or NDJSON of v2 requests, run
 *       at {@code batch} priority; {@code 202} with the batch's id and {@code total}
 *   <li>{@code GET /jobs/{id}[?offset=&limit=]}: a job's status (queued, running, done with the v2
 *       response, failed with the reason), or a batch's progress and a page of its jobs
 * </ul>
 *
 * {@code Idempotency-Key} makes a resubmission the same job; {@code Ember-Callback} names where
 * its completion event goes (checked against the allow-list). Keys, tenants, rate limits and
 * validation are the synchronous path's, applied at submission.
 */
final class JobEndpoints {
    static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    static final String CALLBACK = "Ember-Callback";
    private static final int DEFAULT_PAGE = 100;

    private final JobEngine engine;
    private final InferenceCodec codec;
    private final Executor offThread;

    JobEndpoints(JobEngine engine, InferenceCodec codec, Executor offThread) {
        this.engine = engine;
        this.codec = codec;
        this.offThread = offThread;
    }

    List<Route> routes() {
        return List.of(
                Route.post("/v2/models/{model}/batch", this::batch),
                Route.post("/v2/models/{model}/versions/{version}/batch", this::batch),
                Route.get("/jobs/{id}", this::status));
    }

    /** True if the call asks for an asynchronous answer ({@code Prefer: respond-async}, among others). */
    static boolean wantsAsync(HttpCall call) {
        String prefer = call.header("Prefer");
        if (prefer == null) {
            return false;
        }
        for (String p : prefer.split(",")) {
            String token = p.strip().toLowerCase(Locale.ROOT);
            int semi = token.indexOf(';');
            if ((semi < 0 ? token : token.substring(0, semi).strip()).equals("respond-async")) {
                return true;
            }
        }
        return false;
    }

    /** A decoded v2 request sent with {@code Prefer: respond-async}. */
    CompletableFuture<HttpReply> submit(
            HttpCall call, CallOptions options, String model, String version, InferenceRequest request) {
        Submission s = Submission.job(options.apiKeyOrNull(), model, version, options.applyTo(request))
                .withIdempotencyKey(call.header(IDEMPOTENCY_KEY))
                .withCallback(call.header(CALLBACK));
        return engine.submit(s).thenCompose(r -> acceptedReply(r, options.apiKeyOrNull()));
    }

    private CompletableFuture<HttpReply> batch(HttpCall call, Map<String, String> path) {
        CallOptions options = CallOptions.of(call.headers());
        return CompletableFuture.supplyAsync(
                        () -> {
                            List<byte[]> bodies = BatchBodies.split(call.body());
                            List<InferenceRequest> requests = new ArrayList<>(bodies.size());
                            for (int i = 0; i < bodies.size(); i++) {
                                try {
                                    requests.add(codec.decodeRequest(bodies.get(i), -1));
                                } catch (InferenceException e) {
                                    throw new InferenceException(
                                            e.reason(), "request " + i + " of the batch: " + e.getMessage());
                                }
                            }
                            return new Submission(
                                    options.apiKeyOrNull(),
                                    path.get("model"),
                                    path.get("version"),
                                    requests,
                                    true,
                                    Optional.ofNullable(call.header(IDEMPOTENCY_KEY))
                                            .filter(k -> !k.isBlank()),
                                    Optional.ofNullable(call.header(CALLBACK)).filter(k -> !k.isBlank()));
                        },
                        offThread)
                .thenCompose(engine::submit)
                .thenCompose(r -> acceptedReply(r, options.apiKeyOrNull()));
    }

    private CompletableFuture<HttpReply> acceptedReply(JobEngine.Receipt r, String apiKey) {
        if (!r.duplicate() || r.batch()) {
            return CompletableFuture.completedFuture(JobReplies.accepted(r, r.duplicate() ? "accepted" : "queued"));
        }
        return engine.job(apiKey, r.id())
                .handle((v, e) -> JobReplies.accepted(
                        r,
                        v == null
                                ? "queued"
                                : v.map(JobView::status)
                                        .map(JobView.Status::wireName)
                                        .orElse("queued")));
    }

    private CompletableFuture<HttpReply> status(HttpCall call, Map<String, String> path) {
        CallOptions options = CallOptions.of(call.headers());
        String id = path.get("id");
        int offset = number(call.query().get("offset"), 0, "offset");
        int limit = number(call.query().get("limit"), DEFAULT_PAGE, "limit");
        return engine.job(options.apiKeyOrNull(), id).thenCompose(job -> {
            if (job.isPresent()) {
                return CompletableFuture.completedFuture(HttpReply.json(200, JobReplies.job(job.get())));
            }
            return engine.batch(options.apiKeyOrNull(), id, offset, limit)
                    .thenApply(b -> b.map(v -> HttpReply.json(200, JobReplies.batch(v, limit)))
                            .orElseThrow(() -> InferenceException.notFound("no job '" + id + "' (results are kept "
                                    + engine.settings().jobTtl().toHours() + " h after they finish)")));
        });
    }

    private static int number(String value, int otherwise, String name) {
        if (value == null || value.isBlank()) {
            return otherwise;
        }
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw InferenceException.badInput(name + " must be a whole number, got '" + value + "'");
        }
    }
}
