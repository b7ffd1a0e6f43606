package dev.ember.functions.core.jobs;

import dev.ember.pool.api.InferenceRequest;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One submission, from any door: the caller's API key (null: none), the model (version null: the
 * latest), one request (a job) or several (a batch, run at {@code batch} priority), an idempotency
 * key (the {@code Idempotency-Key} header, or a CloudEvent's {@code source} + {@code id}: the same
 * key from the same tenant answers the job it made first), and a {@code callback} URL for the
 * completion event instead of the deployment's sink.
 */
public record Submission(
        String apiKey,
        String model,
        String version,
        List<InferenceRequest> requests,
        boolean batch,
        Optional<String> idempotencyKey,
        Optional<String> callback) {
    /** The most requests one batch submission may carry. */
    public static final int MAX_BATCH = 10_000;

    public Submission {
        requests = List.copyOf(requests);
        Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        Objects.requireNonNull(callback, "callback");
        if (requests.isEmpty()) {
            throw dev.ember.pool.api.InferenceException.badInput(
                    "the submission carries no request: send a v2 request, or a JSON list / NDJSON of them for a batch");
        }
        if (!batch && requests.size() != 1) {
            throw new IllegalArgumentException("a single job carries one request");
        }
        if (requests.size() > MAX_BATCH) {
            throw dev.ember.pool.api.InferenceException.badInput(
                    "a batch takes at most " + MAX_BATCH + " requests, this one has " + requests.size() + ": split it");
        }
    }

    public static Submission job(String apiKey, String model, String version, InferenceRequest request) {
        return new Submission(apiKey, model, version, List.of(request), false, Optional.empty(), Optional.empty());
    }

    public Submission withIdempotencyKey(String key) {
        return new Submission(
                apiKey,
                model,
                version,
                requests,
                batch,
                Optional.ofNullable(key).filter(k -> !k.isBlank()),
                callback);
    }

    public Submission withCallback(String url) {
        return new Submission(
                apiKey,
                model,
                version,
                requests,
                batch,
                idempotencyKey,
                Optional.ofNullable(url).filter(k -> !k.isBlank()));
    }

    public JobClass jobClass() {
        return batch ? JobClass.BATCH : JobClass.ASYNC;
    }
}
