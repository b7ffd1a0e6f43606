package dev.ember.functions.core.http;

import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.InferenceException.Reason;
import dev.ember.pool.api.codec.InferenceCodec;
import dev.ember.pool.api.http.StatusCodes;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The one mapping of failures to HTTP answers for every door of the functions (Funqy, the v2
 * routes, Lambda): the status from the failure's reason ({@link StatusCodes}, shared with the
 * worker), a {@code {"error": "..."}} body, and {@code Retry-After} when the failure says when to
 * come back. Anything that is not an {@link InferenceException} is a bug: logged with its stack,
 * answered 500 without one.
 */
public final class FailureReplies {
    private static final System.Logger LOG = System.getLogger(FailureReplies.class.getName());
    private static final Duration UNAVAILABLE_RETRY = Duration.ofSeconds(1);

    private final InferenceCodec codec;

    public FailureReplies(InferenceCodec codec) {
        this.codec = codec;
    }

    public HttpReply of(Throwable failure) {
        Optional<InferenceException> typed = InferenceException.find(failure);
        if (typed.isEmpty()) {
            LOG.log(System.Logger.Level.ERROR, "unexpected failure serving a request", failure);
            return of(500, "internal error (" + failure.getClass().getSimpleName() + "); see the function's log", null);
        }
        InferenceException e = typed.get();
        if (e.reason() == Reason.MODEL_ERROR || e.reason() == Reason.DEVICE_ERROR) {
            LOG.log(System.Logger.Level.WARNING, e.getMessage());
        }
        Duration retryAfter = e.retryAfter().orElse(e.reason() == Reason.UNAVAILABLE ? UNAVAILABLE_RETRY : null);
        return of(StatusCodes.of(e.reason()), e.getMessage(), retryAfter);
    }

    public HttpReply of(int status, String message, Duration retryAfter) {
        Map<String, String> headers =
                retryAfter == null ? Map.of() : Map.of("Retry-After", retryAfterSeconds(retryAfter));
        return new HttpReply(status, "application/json", headers, codec.encodeError(message));
    }

    /** Whole seconds, rounded up and at least 1: a client told "0" would retry at once. */
    public static String retryAfterSeconds(Duration retryAfter) {
        return Long.toString(Math.max(1, retryAfter.plusMillis(999).toSeconds()));
    }
}
