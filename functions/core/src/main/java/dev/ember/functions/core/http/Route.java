package dev.ember.functions.core.http;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * One endpoint of {@link FunctionsApi}: a method, a {@link PathPattern}, and what answers it.
 *
 * <pre>
 * Route.get("/v2/models/{model}", (call, path) -> ... path.get("model") ...)
 * </pre>
 */
public record Route(String method, PathPattern path, Endpoint endpoint) {
    /** Answers a call whose path matched; {@code path} holds the captured segments. */
    @FunctionalInterface
    public interface Endpoint {
        /**
         * @return the reply; a failed future or a thrown {@link dev.ember.pool.api.InferenceException}
         *     is answered by {@link FailureReplies}
         */
        CompletableFuture<HttpReply> answer(HttpCall call, Map<String, String> path);
    }

    public Route {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(endpoint, "endpoint");
        method = method.toUpperCase(Locale.ROOT);
    }

    public static Route get(String path, Endpoint endpoint) {
        return new Route("GET", PathPattern.of(path), endpoint);
    }

    public static Route post(String path, Endpoint endpoint) {
        return new Route("POST", PathPattern.of(path), endpoint);
    }
}
