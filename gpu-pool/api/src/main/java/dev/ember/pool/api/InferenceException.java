package dev.ember.pool.api;

import java.time.Duration;
import java.util.Optional;

/**
 * The one failure type of an inference. The {@link Reason} says whose fault it is and how to
 * react; HTTP edges map it to a status code, nothing else does. Expected outcomes (bad input,
 * overload, deadlines) carry no stack trace: they are answers, not bugs, and can come by the
 * thousand under load.
 */
public final class InferenceException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public enum Reason {
        /** The request is malformed or does not fit the model. */
        BAD_INPUT,
        /** The request body is larger than the server takes; nothing of it was decoded. */
        TOO_LARGE,
        /** No valid API key. */
        UNAUTHENTICATED,
        /** The key is valid but may not do this. */
        FORBIDDEN,
        /** The tenant sent more than its plan allows; try again after {@link #retryAfter()}. */
        RATE_LIMITED,
        /** Unknown model or version. */
        NOT_FOUND,
        /** A queue is full; try again after {@link #retryAfter()}. */
        OVERLOADED,
        /** The request's deadline passed before an answer was ready. */
        DEADLINE_EXCEEDED,
        /** Not ready, shutting down, or unreachable. */
        UNAVAILABLE,
        /** The model failed on valid input. */
        MODEL_ERROR,
        /** The execution device failed or is missing. */
        DEVICE_ERROR;

        boolean isExpected() {
            return this != MODEL_ERROR && this != DEVICE_ERROR;
        }
    }

    private final Reason reason;
    private final transient Duration retryAfter;

    public InferenceException(Reason reason, String message) {
        this(reason, message, null, null);
    }

    public InferenceException(Reason reason, String message, Duration retryAfter, Throwable cause) {
        super(message, cause, false, !reason.isExpected() || cause != null);
        this.reason = reason;
        this.retryAfter = retryAfter;
    }

    public static InferenceException badInput(String message) {
        return new InferenceException(Reason.BAD_INPUT, message);
    }

    public static InferenceException tooLarge(String message) {
        return new InferenceException(Reason.TOO_LARGE, message);
    }

    public static InferenceException notFound(String message) {
        return new InferenceException(Reason.NOT_FOUND, message);
    }

    public static InferenceException overloaded(String message, Duration retryAfter) {
        return new InferenceException(Reason.OVERLOADED, message, retryAfter, null);
    }

    public static InferenceException unavailable(String message) {
        return new InferenceException(Reason.UNAVAILABLE, message);
    }

    public static InferenceException deadlineExceeded(String message) {
        return new InferenceException(Reason.DEADLINE_EXCEEDED, message);
    }

    public Reason reason() {
        return reason;
    }

    /** When the caller may usefully try again, if the failure says. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    /** Unwraps the {@code CompletionException}/{@code ExecutionException} layers futures add. */
    public static Optional<InferenceException> find(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof InferenceException e) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }
}
