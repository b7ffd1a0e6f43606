package dev.ember.functions.core.http;

import dev.ember.functions.core.tenancy.ApiKeyAuthenticator;
import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.Parameters;
import dev.ember.pool.api.PriorityClass;
import dev.ember.pool.api.Protocol;
import java.util.Optional;

/**
 * What a call's headers say about it, read the same way on every door: the API key ({@code
 * Authorization: Bearer} or {@code X-Api-Key}), the priority class and deadline ({@code
 * Ember-Priority}, {@code Ember-Timeout-Ms}, which win over the request's {@code priority} and
 * {@code timeout_ms} parameters, as on the worker), and where the JSON of a binary-extension body
 * ends ({@code Inference-Header-Content-Length}). A malformed header is a 400 (401 for a key)
 * saying which.
 *
 * @param jsonLength the JSON part's length, or -1 when the body is all JSON
 */
public record CallOptions(
        Optional<String> apiKey, Optional<PriorityClass> priority, Optional<Long> timeoutMs, int jsonLength) {

    public static CallOptions of(HttpHeaders headers) {
        Optional<String> apiKey =
                ApiKeyAuthenticator.presentedKey(headers.get("Authorization"), headers.get("X-Api-Key"));
        Optional<PriorityClass> priority =
                Optional.ofNullable(headers.get(Protocol.HEADER_PRIORITY)).map(v -> PriorityClass.fromWire(v.strip()));
        Optional<Long> timeout = Optional.ofNullable(headers.get(Protocol.HEADER_TIMEOUT_MS))
                .map(v -> positive(v, Protocol.HEADER_TIMEOUT_MS, "an integer number of milliseconds"));
        int jsonLength = Optional.ofNullable(headers.get(Protocol.HEADER_CONTENT_LENGTH))
                .map(v -> positive(v, Protocol.HEADER_CONTENT_LENGTH, "the byte length of the JSON part"))
                .map(Long::intValue)
                .orElse(-1);
        return new CallOptions(apiKey, priority, timeout, jsonLength);
    }

    /** {@code request} with the headers' priority and deadline as its parameters. */
    public InferenceRequest applyTo(InferenceRequest request) {
        if (priority.isEmpty() && timeoutMs.isEmpty()) {
            return request;
        }
        Parameters p = request.parameters();
        if (priority.isPresent()) {
            p = p.with(Protocol.PRIORITY, priority.get().wireName());
        }
        if (timeoutMs.isPresent()) {
            p = p.with(Protocol.TIMEOUT_MS, timeoutMs.get());
        }
        return request.withParameters(p);
    }

    public String apiKeyOrNull() {
        return apiKey.orElse(null);
    }

    private static long positive(String value, String header, String what) {
        try {
            long n = Long.parseLong(value.strip());
            if (n >= 0 && n <= Integer.MAX_VALUE) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw InferenceException.badInput(header + " must be " + what + ", got '" + value + "'");
    }
}
