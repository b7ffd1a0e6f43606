package dev.ember.pool.api.codec;

import dev.ember.pool.api.Protocol;
import java.util.Objects;

/**
 * An encoded request or response body. When {@code binary} is set, the first {@code jsonLength}
 * bytes are JSON and the rest binary tensor data; the sender must then set the {@link
 * Protocol#HEADER_CONTENT_LENGTH} header to {@code jsonLength}.
 */
public record EncodedBody(byte[] bytes, int jsonLength, boolean binary) {
    public EncodedBody {
        Objects.requireNonNull(bytes, "bytes");
        if (jsonLength < 0 || jsonLength > bytes.length) {
            throw new IllegalArgumentException("jsonLength " + jsonLength + " outside body of " + bytes.length);
        }
    }

    public String contentType() {
        return binary ? "application/octet-stream" : "application/json";
    }
}
