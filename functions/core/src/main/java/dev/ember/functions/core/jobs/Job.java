package dev.ember.functions.core.jobs;

import java.util.Objects;
import java.util.Optional;

/**
 * One job as the engine stores and runs it: who submitted it (the tenant the gateway admitted),
 * for which model (version null: the latest), the v2 request as submitted with the granted
 * priority (encoded with the binary tensor extension: the first {@code jsonLength} bytes are
 * JSON), where its completion event goes, when it was submitted, the batch it belongs to, and how
 * many runs it has had.
 */
public record Job(
        String id,
        JobClass jobClass,
        String tenant,
        String model,
        String version,
        byte[] request,
        int jsonLength,
        Optional<String> sink,
        long submittedMillis,
        Optional<String> batch,
        int attempts) {
    public Job {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(jobClass, "jobClass");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(sink, "sink");
        Objects.requireNonNull(batch, "batch");
    }
}
