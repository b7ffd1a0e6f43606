package dev.ember.functions.core.jobs;

import java.util.Objects;
import java.util.Optional;

/**
 * One job as the engine stores and runs it: who submitted it (the tenant the gateway admitted),
 * for which model (version null: the latest), the v2 request as submitted with the granted
 * priority (encoded with the binary tensor extension: the first {@code jsonLength} bytes are
 * JSON), where its completion event goes (its callback; empty: the finishing process's sink), when
 * it was submitted, the batch it belongs to, how many runs it has had, and how many of them failed
 * by its own fault (counted toward the dead letter).
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
        int attempts,
        int failures) {
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
