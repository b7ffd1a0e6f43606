package dev.ember.pool.worker.http;

import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.codec.InferenceCodec;
import dev.ember.pool.api.http.StatusCodes;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.time.Duration;
import java.util.Optional;

/**
 * The one place where failures become HTTP answers: status from the reason, {@code {"error":
 * "..."}} body, {@code Retry-After} when the failure says when to come back. Anything that is not
 * an {@link InferenceException} is a bug: logged with its stack, answered 500 without one.
 */
final class HttpErrors {
    private static final System.Logger LOG = System.getLogger(HttpErrors.class.getName());
    private static final Duration UNAVAILABLE_RETRY = Duration.ofSeconds(1);

    private final InferenceCodec codec;

    HttpErrors(InferenceCodec codec) {
        this.codec = codec;
    }

    void send(HttpServerResponse response, Throwable failure) {
        Optional<InferenceException> typed = InferenceException.find(failure);
        if (typed.isEmpty()) {
            LOG.log(System.Logger.Level.ERROR, "unexpected failure while serving a request", failure);
            send(
                    response,
                    500,
                    "internal error (" + failure.getClass().getSimpleName() + "); see the worker log",
                    null);
            return;
        }
        InferenceException e = typed.get();
        Duration retryAfter =
                e.retryAfter().orElse(e.reason() == InferenceException.Reason.UNAVAILABLE ? UNAVAILABLE_RETRY : null);
        if (e.reason() == InferenceException.Reason.MODEL_ERROR
                || e.reason() == InferenceException.Reason.DEVICE_ERROR) {
            LOG.log(System.Logger.Level.WARNING, e.getMessage());
        }
        send(response, StatusCodes.of(e.reason()), e.getMessage(), retryAfter);
    }

    void send(HttpServerResponse response, int status, String message, Duration retryAfter) {
        if (response.ended() || response.closed()) {
            return;
        }
        response.setStatusCode(status).putHeader("Content-Type", "application/json");
        if (retryAfter != null) {
            response.putHeader("Retry-After", Long.toString(Math.max(1, retryAfter.toSeconds())));
        }
        response.end(Buffer.buffer(codec.encodeError(message)));
    }
}
