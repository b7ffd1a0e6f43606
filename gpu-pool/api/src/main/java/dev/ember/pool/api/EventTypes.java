package dev.ember.pool.api;

/**
 * Ember's CloudEvent types, in one place: the functions route on them, the async job engine emits
 * them, and the Knative manifests render Triggers from them, so the three cannot drift apart.
 */
public final class EventTypes {
    private EventTypes() {}

    /** A synchronous inference request; the reply event is {@link #COMPLETED}. */
    public static final String REQUESTED = "dev.ember.inference.requested";

    /** An asynchronous job: data is the v2 request plus {@code model}; answered at once with the job id. */
    public static final String SUBMITTED = "dev.ember.inference.submitted";

    /** The answer to {@link #SUBMITTED}: data is {@code {"id": ..., "status": "queued"}}, the job accepted. */
    public static final String ACCEPTED = "dev.ember.inference.accepted";

    /** A query for a job's status: data is {@code {"id": ...}}; answered with {@link #RESULT}. */
    public static final String RESULT_REQUESTED = "dev.ember.inference.result.requested";

    /** A job's status: queued, running, done with the v2 response, or failed with the reason. */
    public static final String RESULT = "dev.ember.inference.result";

    /** An inference answered: data is the v2 response; for a job, {@code subject} is the job id. */
    public static final String COMPLETED = "dev.ember.inference.completed";

    /** A job that could not be answered after its retries: data holds the reason. */
    public static final String FAILED = "dev.ember.inference.failed";
}
