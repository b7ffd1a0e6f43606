package dev.ember.functions.core.http;

import dev.ember.pool.api.InferenceException;

/**
 * The largest request body the functions take ({@code ember.limits.max-body-bytes}); one over it is
 * a 413 with this message, whichever door refused it: an adapter still reading (a declared {@code
 * Content-Length}, or a chunked body once it passes the cap) or {@link FunctionsApi} given a whole
 * body (Lambda).
 */
public record BodyLimit(long maxBytes) {
    public BodyLimit {
        if (maxBytes < 1) {
            throw new IllegalArgumentException("the body limit must be positive, got " + maxBytes);
        }
    }

    public boolean exceededBy(long bytes) {
        return bytes > maxBytes;
    }

    /** @throws InferenceException TOO_LARGE if {@code bytes} is over the limit */
    public void check(long bytes) {
        if (exceededBy(bytes)) {
            throw failure();
        }
    }

    public InferenceException failure() {
        return InferenceException.tooLarge("request body is larger than " + maxBytes
                + " bytes (ember.limits.max-body-bytes): split the request or send the tensors in binary"
                + " (binary tensor extension)");
    }
}
