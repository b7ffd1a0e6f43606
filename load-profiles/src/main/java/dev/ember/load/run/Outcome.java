package dev.ember.load.run;

/** How one scheduled request ended, as the report counts it. */
public enum Outcome {
    /** 2xx. */
    OK("2xx"),
    /** 429 with Retry-After: shed by priority or a full queue, as Ember promises. */
    SHED("429"),
    /** 429 without Retry-After: shed, but the client is not told when to come back. */
    SHED_NO_RETRY_AFTER("429 without Retry-After"),
    /** 503 with Retry-After. */
    UNAVAILABLE("503"),
    /** 503 without Retry-After. */
    UNAVAILABLE_NO_RETRY_AFTER("503 without Retry-After"),
    /** 504: the request's deadline passed inside Ember. */
    DEADLINE("504"),
    /** Any other 4xx: the generator sent something Ember refused (a profile error). */
    CLIENT_ERROR("other 4xx"),
    /** Any other 5xx. */
    SERVER_ERROR("other 5xx"),
    /** No answer within the profile's request timeout. */
    TIMEOUT("timeout"),
    /** The connection failed or was closed before an answer. */
    CONNECTION_ERROR("connection error"),
    /** Not sent: the generator's in-flight bound was reached (the arrival is lost, never delayed). */
    NOT_SENT("not sent (in-flight bound)"),
    /** An accepted job (async door) whose result is {@code failed}. */
    JOB_FAILED("job failed");

    private final String label;

    Outcome(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    static Outcome of(int status, boolean retryAfter) {
        if (status >= 200 && status < 300) {
            return OK;
        }
        return switch (status) {
            case 429 -> retryAfter ? SHED : SHED_NO_RETRY_AFTER;
            case 503 -> retryAfter ? UNAVAILABLE : UNAVAILABLE_NO_RETRY_AFTER;
            case 504 -> DEADLINE;
            default -> status >= 500 ? SERVER_ERROR : CLIENT_ERROR;
        };
    }

    /** A 5xx other than a 503 that says when to come back: what the targets allow none of. */
    public boolean unexplained5xx() {
        return this == UNAVAILABLE_NO_RETRY_AFTER || this == DEADLINE || this == SERVER_ERROR;
    }
}
