package dev.ember.functions.core;

import dev.ember.functions.core.cache.HitAnswer;
import dev.ember.pool.api.InferenceResponse;
import java.util.Objects;
import java.util.Optional;

/**
 * The gateway's answer to one call: the response (with the caller's id and the parameters saying
 * how it was obtained), how it was obtained, and for a cache hit, the entry's {@link HitAnswer},
 * whose encoded bodies an HTTP door sends instead of encoding the response again.
 */
public record GatewayAnswer(InferenceResponse response, CacheOutcome outcome, Optional<HitAnswer> hit) {
    public GatewayAnswer {
        Objects.requireNonNull(response, "response");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(hit, "hit");
    }

    static GatewayAnswer computed(InferenceResponse response, CacheOutcome outcome) {
        return new GatewayAnswer(response, outcome, Optional.empty());
    }
}
