package dev.ember.functions.core.http;

import dev.ember.functions.core.InferenceGateway;
import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.codec.InferenceCodec;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Every HTTP endpoint of the functions that is not a Funqy function, framework-free: the Open
 * Inference Protocol ({@link V2Endpoints}, {@link InferenceEndpoint}) and {@code POST /infer}.
 * Adapters (the Quarkus route, a Lambda handler) turn their request into an {@link HttpCall}, call
 * {@link #handle}, and write the {@link HttpReply} as it is.
 *
 * <p>Routes are data: {@link Builder#route} adds one, so another set of endpoints joins without
 * touching these; {@link Builder#jobs} adds the async doors. A path no route matches is a 404, a known path with another
 * method a 405 naming the allowed ones, both with the protocol's {@code {"error": "..."}} body.
 */
public final class FunctionsApi {
    /** Bodies at least this long are decoded (and JSON answers this large encoded) off the caller's thread. */
    public static final int OFF_THREAD_BYTES = 256 * 1024;

    private final List<Route> routes;
    private final Set<String> roots;
    private final FailureReplies failures;
    private final BodyLimit limit;

    private FunctionsApi(List<Route> routes, FailureReplies failures, BodyLimit limit) {
        this.routes = List.copyOf(routes);
        this.failures = failures;
        this.limit = limit;
        Set<String> r = new LinkedHashSet<>();
        routes.forEach(route -> r.add(route.path().root()));
        this.roots = Set.copyOf(r);
    }

    /**
     * The functions' standard endpoints over {@code gateway}: the v2 protocol and {@code POST
     * /infer}. {@code offThread} decodes large bodies and encodes large JSON answers, so an I/O
     * thread never does; bodies over {@code maxBodyBytes} are refused with 413.
     */
    public static Builder standard(
            InferenceGateway gateway, InferenceCodec codec, Executor offThread, long maxBodyBytes) {
        FailureReplies failures = new FailureReplies(codec);
        InferenceEndpoint inference = new InferenceEndpoint(gateway, codec, offThread, OFF_THREAD_BYTES);
        Builder b = builder(failures, new BodyLimit(maxBodyBytes))
                .routes(new V2Endpoints(gateway, codec).routes())
                .routes(inference.routes());
        b.inference = inference;
        b.codec = codec;
        b.offThread = offThread;
        return b;
    }

    public static Builder builder(FailureReplies failures, BodyLimit limit) {
        return new Builder(failures, limit);
    }

    /**
     * Answers one call. The future always completes normally (failures are replies); it is
     * already complete on return when nothing had to wait, e.g. a near-cache hit with a small body.
     */
    public CompletableFuture<HttpReply> handle(HttpCall call) {
        try {
            Optional<Map<String, String>> matched = Optional.empty();
            Route route = null;
            Set<String> allowed = new LinkedHashSet<>(2);
            List<String> parts = PathPattern.split(call.path());
            for (Route r : routes) {
                Optional<Map<String, String>> m = r.path().match(parts);
                if (m.isPresent()) {
                    allowed.add(r.method());
                    if (r.method().equals(call.method())) {
                        route = r;
                        matched = m;
                        break;
                    }
                }
            }
            if (route == null) {
                return CompletableFuture.completedFuture(
                        allowed.isEmpty() ? notFound(call) : notAllowed(call, allowed));
            }
            limit.check(call.body().length);
            return route.endpoint()
                    .answer(call, matched.get())
                    .handle((reply, failure) -> failure == null ? reply : failures.of(failure));
        } catch (RuntimeException e) { // an endpoint that failed before returning a future
            return CompletableFuture.completedFuture(failures.of(e));
        }
    }

    /**
     * True if {@code path} is this API's to answer, even with a 404: it starts with the first
     * segment of one of its routes ({@code /v2/...}, {@code /infer}). An adapter passes other paths
     * on to the framework.
     */
    public boolean serves(String path) {
        List<String> parts = PathPattern.split(path);
        return !parts.isEmpty() && roots.contains(parts.get(0));
    }

    public BodyLimit bodyLimit() {
        return limit;
    }

    public FailureReplies failures() {
        return failures;
    }

    private HttpReply notFound(HttpCall call) {
        return failures.of(InferenceException.notFound("no such endpoint: " + call.method() + " " + call.path()));
    }

    private HttpReply notAllowed(HttpCall call, Set<String> allowed) {
        HttpReply r = failures.of(
                405,
                call.method() + " is not allowed on " + call.path() + "; use " + String.join(" or ", allowed),
                null);
        return new HttpReply(r.status(), r.contentType(), Map.of("Allow", String.join(", ", allowed)), r.body());
    }

    /** Collects the routes; the first that matches a call's path and method answers it. */
    public static final class Builder {
        private final FailureReplies failures;
        private final BodyLimit limit;
        private final List<Route> routes = new ArrayList<>();
        private InferenceEndpoint inference;
        private InferenceCodec codec;
        private Executor offThread;

        private Builder(FailureReplies failures, BodyLimit limit) {
            this.failures = Objects.requireNonNull(failures, "failures");
            this.limit = Objects.requireNonNull(limit, "limit");
        }

        public Builder route(Route route) {
            routes.add(Objects.requireNonNull(route, "route"));
            return this;
        }

        public Builder routes(List<Route> more) {
            more.forEach(this::route);
            return this;
        }

        /**
         * Adds the async doors over {@code engine} ({@link JobEndpoints}): {@code Prefer:
         * respond-async} on the v2 infer routes, batch submission, {@code GET /jobs/{id}}. Only on a
         * {@link #standard} builder.
         */
        public Builder jobs(dev.ember.functions.core.jobs.JobEngine engine) {
            if (inference == null) {
                throw new IllegalStateException("jobs(...) needs the standard endpoints: FunctionsApi.standard(...)");
            }
            JobEndpoints jobs = new JobEndpoints(engine, codec, offThread);
            inference.respondAsyncWith(jobs);
            return routes(jobs.routes());
        }

        public FunctionsApi build() {
            return new FunctionsApi(routes, failures, limit);
        }
    }
}
