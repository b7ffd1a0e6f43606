package dev.ember.functions.core.cache;

import dev.ember.pool.api.InferenceResponse;
import dev.ember.pool.api.Parameters;
import java.time.Instant;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * A cached answer and until when it is fresh. Past that instant it is stale: it stays stored (up
 * to the policy's stale TTL) only to answer when the pool cannot.
 *
 * <p>An entry held in process (the near cache, the local cache) also keeps what a hit on it sends
 * back, made on the first hit: the response with a hit's parameters and its encoded bodies ({@link
 * HitAnswer}). Every later hit reuses them; none re-encodes.
 */
public final class CachedEntry {
    private final InferenceResponse response;
    private final Instant freshUntil;
    private volatile HitAnswer hit;

    public CachedEntry(InferenceResponse response, Instant freshUntil) {
        Objects.requireNonNull(response, "response");
        // What the shared tier keeps (CachedEntryFormat), whichever tier holds it: the outputs, not
        // the id or the timings of the request that computed them.
        this.response = response.id() == null && response.parameters().isEmpty()
                ? response
                : new InferenceResponse(
                        response.modelName(), response.modelVersion(), null, Parameters.EMPTY, response.outputs());
        this.freshUntil = Objects.requireNonNull(freshUntil, "freshUntil");
    }

    /** The answer: model, version and outputs (no id, no parameters: those are each caller's own). */
    public InferenceResponse response() {
        return response;
    }

    public Instant freshUntil() {
        return freshUntil;
    }

    public boolean freshAt(Instant now) {
        return now.isBefore(freshUntil);
    }

    /**
     * What a hit on this entry answers; {@code asHit} turns the stored response into that (adds the
     * hit's parameters) and runs on the first hit only. Two first hits racing may both run it: both
     * make the same value, and one is kept.
     */
    public HitAnswer hit(UnaryOperator<InferenceResponse> asHit) {
        HitAnswer h = hit;
        if (h == null) {
            h = new HitAnswer(asHit.apply(response).withId(null));
            hit = h;
        }
        return h;
    }
}
