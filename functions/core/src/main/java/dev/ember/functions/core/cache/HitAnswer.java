package dev.ember.functions.core.cache;

import dev.ember.pool.api.InferenceResponse;
import dev.ember.pool.api.codec.EncodedBody;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * What every hit on one cache entry sends: the same response (a hit's parameters, no id), and the
 * same bytes, in the two forms a client asks for: all outputs as JSON, or all in binary (the binary
 * tensor extension). Each form is encoded by the first hit that asks for it and kept; a hit then
 * writes bytes. Requests asking for some outputs in binary and others as JSON are rare and encoded
 * each time by the caller.
 */
public final class HitAnswer {
    private final InferenceResponse response;
    private volatile EncodedBody json;
    private volatile EncodedBody binary;

    HitAnswer(InferenceResponse response) {
        this.response = Objects.requireNonNull(response, "response");
    }

    /** The response a hit answers, without an id. */
    public InferenceResponse response() {
        return response;
    }

    /**
     * The encoded body, all outputs in binary or all as JSON; {@code encode} makes it the first
     * time (racing first calls may both encode: the bodies are equal, one is kept).
     */
    public EncodedBody body(boolean binaryOutputs, Supplier<EncodedBody> encode) {
        EncodedBody b = binaryOutputs ? binary : json;
        if (b == null) {
            b = encode.get();
            if (binaryOutputs) {
                binary = b;
            } else {
                json = b;
            }
        }
        return b;
    }
}
