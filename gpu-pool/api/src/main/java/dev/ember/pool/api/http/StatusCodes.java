package dev.ember.pool.api.http;

import dev.ember.pool.api.InferenceException.Reason;

/** How the protocol's HTTP binding spells each failure reason, in both directions. */
public final class StatusCodes {
    private StatusCodes() {}

    public static int of(Reason reason) {
        return switch (reason) {
            case BAD_INPUT -> 400;
            case TOO_LARGE -> 413;
            case UNAUTHENTICATED -> 401;
            case FORBIDDEN -> 403;
            case RATE_LIMITED -> 429;
            case NOT_FOUND -> 404;
            case OVERLOADED -> 429;
            case MODEL_ERROR, DEVICE_ERROR -> 500;
            case UNAVAILABLE -> 503;
            case DEADLINE_EXCEEDED -> 504;
        };
    }

    public static Reason reasonOf(int status) {
        return switch (status) {
            case 401 -> Reason.UNAUTHENTICATED;
            case 403 -> Reason.FORBIDDEN;
            case 404 -> Reason.NOT_FOUND;
            case 413 -> Reason.TOO_LARGE;
            case 408, 504 -> Reason.DEADLINE_EXCEEDED;
            case 429 -> Reason.OVERLOADED;
            case 502, 503 -> Reason.UNAVAILABLE;
            default -> status >= 400 && status < 500 ? Reason.BAD_INPUT : Reason.MODEL_ERROR;
        };
    }
}
