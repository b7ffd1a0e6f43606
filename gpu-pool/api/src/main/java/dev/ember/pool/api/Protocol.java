package dev.ember.pool.api;

/** Names fixed by the Open Inference Protocol, its binary tensor extension, and Ember's additions. */
public final class Protocol {
    private Protocol() {}

    /** Header giving the length of the JSON part when binary tensor data follows it. */
    public static final String HEADER_CONTENT_LENGTH = "Inference-Header-Content-Length";

    public static final String BINARY_DATA = "binary_data";
    public static final String BINARY_DATA_SIZE = "binary_data_size";
    public static final String BINARY_DATA_OUTPUT = "binary_data_output";

    /** Request parameter (or header {@link #HEADER_PRIORITY}): the admission class. */
    public static final String PRIORITY = "priority";
    /** Request parameter (or header {@link #HEADER_TIMEOUT_MS}): the deadline, in ms from arrival. */
    public static final String TIMEOUT_MS = "timeout_ms";

    public static final String HEADER_PRIORITY = "Ember-Priority";
    public static final String HEADER_TIMEOUT_MS = "Ember-Timeout-Ms";

    /** Response parameters a worker adds: time queued, time computing, rows in the batch. */
    public static final String QUEUE_MS = "ember.queue_ms";

    public static final String COMPUTE_MS = "ember.compute_ms";
    public static final String BATCH_SIZE = "ember.batch_size";
}
