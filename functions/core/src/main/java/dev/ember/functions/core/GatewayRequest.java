package dev.ember.functions.core;

import dev.ember.pool.api.InferenceRequest;
import java.util.Objects;
import java.util.Optional;

/**
 * One call of the {@code infer} function: the API key the caller presented (if any), the model
 * (and version, null for the latest), and the v2 request.
 */
public record GatewayRequest(String apiKey, String model, String version, InferenceRequest request) {
    public GatewayRequest {
        Objects.requireNonNull(request, "request");
    }

    public Optional<String> optionalApiKey() {
        return Optional.ofNullable(apiKey).filter(k -> !k.isBlank());
    }
}
