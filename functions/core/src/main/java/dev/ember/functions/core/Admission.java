package dev.ember.functions.core;

import dev.ember.pool.api.InferenceRequest;
import java.util.Objects;

/**
 * A call the gateway has admitted ({@link InferenceGateway#admit}) but not run: who asked, for
 * which model (and version, null for the latest), and the request with the priority the tenant's
 * plan grants. {@link InferenceGateway#answerAdmitted} runs it.
 */
public record Admission(String tenantId, String model, String version, InferenceRequest request) {
    public Admission {
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(request, "request");
    }
}
