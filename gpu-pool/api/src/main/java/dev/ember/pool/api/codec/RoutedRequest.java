package dev.ember.pool.api.codec;

import dev.ember.pool.api.InferenceRequest;
import java.util.Optional;

/**
 * A request body that also names its model, as the functions' {@code infer} takes it: the v2
 * request plus {@code "model"} and an optional {@code "version"}.
 */
public record RoutedRequest(String model, String version, InferenceRequest request) {
    public Optional<String> optionalVersion() {
        return Optional.ofNullable(version);
    }
}
